/**
 * `isolate: 'process'`: the plugin in a child process of its own, under
 * Node's permission model (`--permission`): it may read its own code and what
 * `permissions.fsRead` lists, and nothing else; no file writes, child
 * processes, worker threads or native addons unless granted; connections only
 * to the hosts `permissions.net` lists (see net-guard.ts). Its heap is capped
 * with `--max-old-space-size`.
 *
 * The child runs many calls at once (`limits.concurrency`), so CPU is watched
 * the way a single-threaded process can be: the host pings it while calls are
 * in flight, and a child whose event loop does not answer within `cpuMs` is
 * killed. When the child dies, for whatever reason, its calls get a tool error
 * saying why, and it is restarted with a growing delay; calls made meanwhile
 * wait for it (bounded).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { dirname, join, parse, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Channel, describeCall, IsolationError, type CallRequest } from './channel.ts'
import { waitInQueue, type Queued } from './call-queue.ts'
import type { GuestMessage, Registrations } from './messages.ts'
import { entryUrl, guestEnv, inheritedExecArgv, type BackendOptions } from './options.ts'
import type { RequestContext } from '../registry/types.ts'

const ENTRY = fileURLToPath(entryUrl(import.meta.url, 'process-entry'))
/** The server package's folder: the child runs its isolation code from there. */
const SERVER_ROOT = join(dirname(ENTRY), '..', '..')

export class ProcessHost {
  readonly #options: BackendOptions
  readonly #queue: Queued[] = []
  #child: ChildProcess | undefined
  #channel: Channel | undefined
  #ready = false
  #closed = false
  #failures = 0
  #startedAt = 0
  #stderr = ''
  #stderrLines = 0
  /** Why the host killed the child, for the calls in flight. */
  #killReason: { reason: string, stopNote: string } | undefined
  #uncaught: string | undefined
  #heartbeat: NodeJS.Timeout | undefined
  #unanswered = new Map<number, number>()
  #ping = 0
  #registered: ((registrations: Registrations) => void) | undefined
  #failedToStart: ((message: string) => void) | undefined

  constructor (options: BackendOptions) {
    this.#options = options
  }

  /** Node flags of the child: the permission model with this plugin's grants, its heap limit, and the host's export conditions. */
  execArgv (): string[] {
    const { permissions, limits, file } = this.#options
    const reads = new Set<string>([SERVER_ROOT, ...nodeModulesAbove(SERVER_ROOT)])
    if (file !== undefined) {
      const root = packageRoot(file)
      reads.add(root)
      for (const dir of nodeModulesAbove(root)) reads.add(dir)
    }
    // Relative grants are relative to the server's working directory, as plugin paths are.
    for (const path of permissions.fsRead ?? []) reads.add(resolve(path))
    // Symlinked workspaces resolve to their real path, which must be readable too.
    for (const path of [...reads]) { try { reads.add(realpathSync(path)) } catch {} }
    const args = [
      ...inheritedExecArgv(),
      '--permission',
      ...[...reads].map((path) => `--allow-fs-read=${path}`),
      ...(permissions.fsWrite ?? []).map((path) => `--allow-fs-write=${resolve(path)}`),
      `--max-old-space-size=${limits.memoryMb}`
    ]
    if (permissions.childProcess === true) args.push('--allow-child-process')
    if (permissions.worker === true) args.push('--allow-worker')
    if (permissions.addons === true) args.push('--allow-addons')
    return args
  }

  start (): Promise<Registrations> {
    return new Promise((resolve, reject) => {
      this.#registered = resolve
      this.#failedToStart = (message) => { reject(new Error(message)) }
      this.#spawn()
    })
  }

  call (request: CallRequest, ctx: RequestContext | undefined): Promise<unknown> {
    const channel = this.#channel
    if (this.#ready && channel !== undefined && channel.size < this.#options.limits.concurrency) return this.#run(channel, request, ctx)
    if (this.#closed) return Promise.reject(new IsolationError(`${describeCall(request)} cannot run: the server is shutting down`))
    if (this.#queue.length >= this.#options.queueMax) {
      const { name, limits, queueMax } = this.#options
      const why = this.#ready ? `has ${limits.concurrency} calls running (limits.concurrency)` : 'is restarting'
      return Promise.reject(new IsolationError(`${describeCall(request)} was refused: plugin "${name}" ${why} and ${queueMax} calls waiting (MCP_TOOL_QUEUE_MAX): try again shortly`))
    }
    return waitInQueue(this.#queue, request, ctx, 'was stopped while it waited for its plugin\'s process')
  }

  /** Calls running or waiting. */
  get inFlight (): number {
    return (this.#channel?.size ?? 0) + this.#queue.length
  }

  async close (): Promise<void> {
    this.#closed = true
    this.#stopHeartbeat()
    for (const queued of this.#queue.splice(0)) queued.reject(new IsolationError(`${describeCall(queued.request)} cannot run: the server is shutting down`))
    const child = this.#child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    this.#killReason = { reason: 'was stopped: the server is shutting down', stopNote: 'was stopped: the server is shutting down' }
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  #run (channel: Channel, request: CallRequest, ctx: RequestContext | undefined): Promise<unknown> {
    const done = channel.call(request, ctx)
    this.#startHeartbeat()
    const next = (): void => { this.#drain() }
    done.then(next, next)
    return done
  }

  #drain (): void {
    const channel = this.#channel
    if (!this.#ready || channel === undefined) return
    for (let room = this.#options.limits.concurrency - channel.size; room > 0 && this.#queue.length > 0; room--) {
      const next = this.#queue.shift() as Queued
      this.#run(channel, next.request, next.ctx).then(next.resolve, next.reject)
    }
  }

  #spawn (): void {
    const { name, url, options, permissions, log } = this.#options
    this.#ready = false
    this.#stderr = ''
    this.#stderrLines = 0
    this.#killReason = undefined
    this.#uncaught = undefined
    this.#unanswered.clear()
    this.#startedAt = Date.now()
    const child = fork(ENTRY, [], {
      execArgv: this.execArgv(),
      env: guestEnv(),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc']
    })
    this.#child = child
    const channel = new Channel((message) => { if (child.connected) child.send(message) }, log, {
      // A call told to stop is left to its signal: other calls share the process, so a handler that ignores it
      // is abandoned (a blocked event loop is caught by the heartbeat instead).
      aborted: () => {},
      notify: (uri) => { this.onNotify(uri) }
    })
    this.#channel = channel
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      // The tail says why a child died (V8 prints "heap out of memory" there); lines are logged for operators.
      this.#stderr = (this.#stderr + chunk).slice(-4096)
      // At most a few lines per process: a V8 crash prints dozens, and a noisy plugin must not flood the host's log.
      for (const line of chunk.split('\n')) {
        if (line.trim() === '' || this.#stderrLines++ >= 10) continue
        log.warn({ plugin: name, stderr: line.slice(0, 1000) }, this.#stderrLines === 10 ? 'isolated plugin process wrote to stderr (further lines not logged)' : 'isolated plugin process wrote to stderr')
      }
    })
    child.on('message', (message: GuestMessage) => {
      if (channel.receive(message)) return
      switch (message.t) {
        case 'registered':
          this.#ready = true
          if (this.#registered !== undefined) {
            this.#registered(message.registrations)
            this.#registered = undefined
            this.#failedToStart = undefined
          }
          this.#drain()
          break
        case 'failed':
          if (this.#failedToStart !== undefined) {
            this.#failedToStart(message.message)
            this.#failedToStart = undefined
            this.#closed = true
          } else {
            log.error({ plugin: name, problem: message.message }, 'isolated plugin failed to load in its restarted process')
          }
          child.kill('SIGKILL')
          break
        case 'uncaught': this.#uncaught = message.message; break
        case 'pong': this.#unanswered.delete(message.n); break
      }
    })
    child.on('error', (error) => { log.error({ plugin: name, err: error }, 'isolated plugin process could not be started') })
    child.on('exit', (code, signal) => {
      this.#ready = false
      this.#stopHeartbeat()
      const reason = this.#exitReason(code, signal)
      channel.failAll(reason.reason, reason.stopNote)
      if (this.#failedToStart !== undefined) {
        this.#failedToStart(`its process exited (${signal ?? `code ${code}`}) before the plugin registered${this.#stderr === '' ? '' : `: ${stderrSummary(this.#stderr)}`}`)
        this.#failedToStart = undefined
        this.#closed = true
      }
      if (this.#closed) return
      log.warn({ plugin: name, code, signal, reason: reason.reason, grantedHosts: permissions.net ?? [] }, 'isolated plugin process ended; restarting it')
      // A child that ran a while starts over at the shortest delay; one that keeps dying waits longer each time.
      if (Date.now() - this.#startedAt > 30_000) this.#failures = 0
      const delay = Math.min(10_000, 100 * 2 ** this.#failures)
      this.#failures++
      setTimeout(() => { if (!this.#closed) this.#spawn() }, delay).unref()
    })
    child.send({ t: 'init', url, name, options, hosts: permissions.net ?? [] })
  }

  /** Set by the owner: a plugin's `notifyResourceUpdated`. */
  onNotify: (uri: string) => void = () => {}

  #exitReason (code: number | null, signal: NodeJS.Signals | null): { reason: string, stopNote: string } {
    if (this.#killReason !== undefined) return this.#killReason
    const { limits } = this.#options
    if (/heap out of memory|Reached heap limit/i.test(this.#stderr)) {
      return { reason: `ran out of memory: its plugin's process reached the heap limit of ${limits.memoryMb} MiB (limits.memoryMb) and is being restarted`, stopNote: 'was stopped: its process ran out of memory' }
    }
    if (this.#uncaught !== undefined) {
      return { reason: `failed outside its own code path: the plugin threw where no call could catch it (${this.#uncaught}), so its process ended and is being restarted`, stopNote: 'was stopped: its process failed' }
    }
    return { reason: `was stopped: its plugin's process exited (${signal ?? `process.exit(${code})`}) and is being restarted`, stopNote: 'was stopped: its process exited' }
  }

  #startHeartbeat (): void {
    if (this.#heartbeat !== undefined) return
    const { cpuMs } = this.#options.limits
    this.#heartbeat = setInterval(() => {
      const child = this.#child
      if (child === undefined || !child.connected || (this.#channel?.size ?? 0) === 0) { this.#stopHeartbeat(); return }
      const now = Date.now()
      // Pings are answered in order: the oldest unanswered one says how long the child has been stuck.
      const oldest = this.#unanswered.values().next()
      if (oldest.done !== true) {
        const sentAt = oldest.value
        if (now - sentAt > cpuMs) {
          this.#killReason = {
            reason: `was stopped: its plugin's process did not respond for over ${cpuMs} ms (limits.cpuMs; a handler is blocking its event loop), so it was killed and is being restarted`,
            stopNote: `was stopped: its process was blocked for over ${cpuMs} ms and was killed`
          }
          this.#stopHeartbeat()
          child.kill('SIGKILL')
          return
        }
      }
      const n = ++this.#ping
      this.#unanswered.set(n, now)
      child.send({ t: 'ping', n })
    }, Math.max(10, Math.min(250, Math.floor(this.#options.limits.cpuMs / 4))))
    this.#heartbeat.unref()
  }

  #stopHeartbeat (): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat)
    this.#heartbeat = undefined
    this.#unanswered.clear()
  }
}

/** The folder of the package a file belongs to (the nearest with a package.json), or the file's folder. */
function packageRoot (file: string): string {
  for (let dir = dirname(file); dir !== parse(dir).root; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
  }
  return dirname(file)
}

/** Every node_modules folder module resolution may look in from `dir`. */
function nodeModulesAbove (dir: string): string[] {
  const found: string[] = []
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules'))) found.push(join(at, 'node_modules'))
    if (at === parse(at).root) break
  }
  return found
}

/** The lines of a dead child's stderr that say why: the error lines, else the last ones. */
function stderrSummary (stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '' && line !== '}' && !line.startsWith('Node.js v'))
  const errors = lines.filter((line) => /error|denied|restricted/i.test(line))
  return (errors.length > 0 ? errors : lines).slice(-3).join(' | ')
}
