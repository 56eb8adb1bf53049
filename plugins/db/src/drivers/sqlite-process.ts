/**
 * One SQLite child process (sqlite-child.ts) as the driver sees it: started
 * with `fork`, asked one request at a time over IPC, and killed with SIGKILL
 * when it must stop. While a request runs, a watchdog reads the child's
 * resident memory every 50 ms and kills it past its idle size plus the
 * limit: `node:sqlite` ignores SQLite's `hard_heap_limit`, and V8's heap
 * limit does not see SQLite's own allocations.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { DbError } from '../driver.ts'
import { processRssBytes } from './process-rss.ts'
import type { ChildRequest, ChildResponse, ChildStatus } from './sqlite-protocol.ts'

const WATCHDOG_MS = 50

export interface ProcessOptions {
  /** The SQLite file, opened read-only. */
  path: string
  /** Memory the child may use beyond its idle size, and its V8 heap limit, in MiB. */
  memoryLimitMb: number
}

/** Why a request failed when its process ended under it. */
export type Ended = 'memory' | 'exited' | 'killed'

export class SqliteProcess {
  readonly pid: number | undefined
  /** Resolves with the SQLite version once the file is open; rejects when it cannot be. */
  readonly ready: Promise<string>
  readonly #child: ChildProcess
  readonly #limitBytes: number
  #idleRss: number | undefined
  #pending: { id: number, resolve: (value: unknown) => void, reject: (error: Error) => void } | undefined
  #watchdog: NodeJS.Timeout | undefined
  #ended: Ended | undefined
  #stderr = ''

  constructor (moduleUrl: URL, options: ProcessOptions) {
    this.#limitBytes = options.memoryLimitMb * 1024 * 1024
    this.#child = fork(fileURLToPath(moduleUrl), [options.path], {
      // Not the parent's flags (test runners add their own); V8's heap capped too.
      execArgv: [`--max-old-space-size=${options.memoryLimitMb}`, '--expose-gc', '--disable-warning=ExperimentalWarning'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc']
    })
    this.pid = this.#child.pid
    // Kept for a crash's message.
    this.#child.stderr?.on('data', (chunk: Buffer) => { this.#stderr = (this.#stderr + chunk.toString()).slice(-500) })
    this.ready = new Promise((resolve, reject) => {
      this.#child.on('message', (message: ChildStatus | ChildResponse) => {
        if ('id' in message) return this.#settle(message)
        if (message.type === 'ready') {
          void processRssBytes(this.pid ?? 0).then((rss) => { this.#idleRss = rss })
          return resolve(message.sqliteVersion)
        }
        reject(new DbError('unavailable', `The SQLite database could not be opened: ${message.message}`))
      })
      this.#child.on('exit', (code, signal) => {
        this.#ended ??= 'exited'
        this.#stopWatchdog()
        reject(new DbError('unavailable', `The SQLite process stopped while opening the file (${signal ?? `exit ${code}`}) ${this.#stderr.trim()}`.trim()))
        const pending = this.#pending
        this.#pending = undefined
        pending?.reject(this.#endError())
      })
      this.#child.on('error', () => {})
    })
    // Once open, an idle child must not keep the server's process alive (a running request refs it again).
    this.ready.then(() => { if (this.#pending === undefined) this.#unref() }, () => {})
  }

  /** Sends one request; at most one runs at a time (the driver's slot guarantees it). */
  request<T> (request: ChildRequest): Promise<T> {
    if (this.#ended !== undefined || !this.#child.connected) return Promise.reject(this.#endError())
    return new Promise<T>((resolve, reject) => {
      this.#pending = {
        id: request.id,
        resolve: (value) => resolve(value as T),
        reject
      }
      this.#ref()
      this.#startWatchdog()
      this.#child.send(request)
    })
  }

  /** False once killed or exited. */
  get alive (): boolean {
    return this.#ended === undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** True while a request is unanswered. */
  get busy (): boolean {
    return this.#pending !== undefined
  }

  /** Stops the child at once, whatever it is doing; its unanswered request fails with `reason`. */
  kill (reason: Ended = 'killed'): void {
    this.#ended ??= reason
    this.#stopWatchdog()
    this.#child.kill('SIGKILL')
  }

  #settle (response: ChildResponse): void {
    const pending = this.#pending
    if (pending?.id !== response.id) return
    this.#pending = undefined
    this.#stopWatchdog()
    this.#unref()
    if (response.ok) pending.resolve(response.result)
    else pending.reject(response.memory === true ? new DbError('memory', response.message) : new DbError('query', response.message))
  }

  #endError (): DbError {
    if (this.#ended === 'memory') return new DbError('memory', 'The query needed more memory than allowed.')
    return new DbError('unavailable', 'The SQLite engine stopped while running the query and is being restarted; try again.')
  }

  #startWatchdog (): void {
    if (this.pid === undefined) return
    const pid = this.pid
    this.#watchdog = setInterval(() => {
      void processRssBytes(pid).then((rss) => {
        if (rss !== undefined && this.#idleRss !== undefined && rss > this.#idleRss + this.#limitBytes && this.#pending !== undefined) this.kill('memory')
      })
    }, WATCHDOG_MS)
    this.#watchdog.unref()
  }

  #stopWatchdog (): void {
    clearInterval(this.#watchdog)
    this.#watchdog = undefined
  }

  #ref (): void {
    this.#child.ref()
    this.#child.channel?.ref()
  }

  #unref (): void {
    this.#child.unref()
    this.#child.channel?.unref()
  }
}
