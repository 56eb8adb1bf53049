/**
 * `isolate: 'worker'`: the plugin loaded in each of a pool of worker threads,
 * each running one call at a time, with V8 heap limits (`resourceLimits`).
 *
 * CPU time is watched from the host: a worker's event-loop utilization is
 * readable from the host thread even while the worker is stuck in a loop, and
 * with one call per worker the worker's active time since the call started is
 * the CPU time that call used (time spent awaiting I/O is idle, not counted).
 * Over `cpuMs`, the worker is terminated and replaced, and the call gets a
 * tool error naming the limit; so does a call whose worker ran out of heap,
 * threw from a timer, or called `process.exit()`.
 */
import type { EventLoopUtilization } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { Channel, describeCall, IsolationError, type CallRequest } from './channel.ts'
import { waitInQueue, type Queued } from './call-queue.ts'
import type { GuestMessage, Registrations } from './messages.ts'
import { ABANDON_GRACE_MS, entryUrl, guestEnv, inheritedExecArgv, type BackendOptions } from './options.ts'
import type { RequestContext } from '../registry/types.ts'

interface Slot {
  worker: Worker
  channel: Channel
  state: 'starting' | 'ready' | 'busy' | 'dead'
  baseline: EventLoopUtilization | undefined
  /** Why the host ended this worker, if it did (the calls in flight were told already). */
  ended: boolean
}

const ENTRY = entryUrl(import.meta.url, 'worker-entry')

export class WorkerPool {
  readonly #options: BackendOptions
  readonly #slots = new Set<Slot>()
  readonly #queue: Queued[] = []
  #watchdog: NodeJS.Timeout | undefined
  #registered: ((registrations: Registrations) => void) | undefined
  #failedToStart: ((message: string) => void) | undefined
  #closed = false
  #restarts = 0

  constructor (options: BackendOptions) {
    this.#options = options
  }

  /** Starts the pool; resolves with what the plugin registered (in its first worker), rejects with why it could not load. */
  start (): Promise<Registrations> {
    return new Promise((resolve, reject) => {
      this.#registered = resolve
      this.#failedToStart = (message) => { reject(new Error(message)) }
      for (let i = 0; i < this.#options.limits.concurrency; i++) this.#spawn()
    })
  }

  call (request: CallRequest, ctx: RequestContext | undefined): Promise<unknown> {
    const slot = this.#idle()
    if (slot !== undefined) return this.#run(slot, request, ctx)
    if (this.#closed) return Promise.reject(new IsolationError(`${describeCall(request)} cannot run: the server is shutting down`))
    if (this.#queue.length >= this.#options.queueMax) {
      const { name, limits, queueMax } = this.#options
      return Promise.reject(new IsolationError(`${describeCall(request)} was refused: plugin "${name}" has its ${limits.concurrency} workers busy ` +
        `and ${queueMax} calls waiting (limits.concurrency of the plugin, MCP_TOOL_QUEUE_MAX): try again shortly`))
    }
    return waitInQueue(this.#queue, request, ctx, 'was stopped while it waited for a free worker')
  }

  /** Calls running or waiting. */
  get inFlight (): number {
    let running = 0
    for (const slot of this.#slots) running += slot.channel.size
    return running + this.#queue.length
  }

  async close (): Promise<void> {
    this.#closed = true
    if (this.#watchdog !== undefined) clearInterval(this.#watchdog)
    for (const queued of this.#queue.splice(0)) queued.reject(new IsolationError(`${describeCall(queued.request)} cannot run: the server is shutting down`))
    await Promise.all([...this.#slots].map(async (slot) => {
      slot.ended = true
      slot.channel.failAll('was stopped: the server is shutting down')
      await slot.worker.terminate()
    }))
  }

  #idle (): Slot | undefined {
    for (const slot of this.#slots) if (slot.state === 'ready') return slot
    return undefined
  }

  #run (slot: Slot, request: CallRequest, ctx: RequestContext | undefined): Promise<unknown> {
    slot.state = 'busy'
    slot.baseline = slot.worker.performance.eventLoopUtilization()
    this.#watch()
    const done = slot.channel.call(request, ctx)
    const free = (): void => {
      if (slot.state !== 'busy') return
      slot.state = 'ready'
      this.#drain(slot)
    }
    done.then(free, free)
    return done
  }

  #drain (slot: Slot): void {
    const next = this.#queue.shift()
    if (next !== undefined) this.#run(slot, next.request, next.ctx).then(next.resolve, next.reject)
  }

  #spawn (): void {
    const { name, url, options, limits, log } = this.#options
    const worker = new Worker(ENTRY, {
      env: guestEnv(),
      execArgv: inheritedExecArgv(),
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb },
      // The plugin's console output goes where the host's does.
      stdout: false,
      stderr: false
    })
    const slot: Slot = {
      worker,
      state: 'starting',
      baseline: undefined,
      ended: false,
      channel: new Channel((message) => { worker.postMessage(message) }, log, {
        aborted: (id) => { this.#abandonLater(slot, id) },
        notify: (uri) => { this.onNotify(uri) }
      })
    }
    this.#slots.add(slot)
    worker.on('message', (message: GuestMessage) => {
      if (slot.channel.receive(message)) return
      if (message.t === 'registered') {
        slot.state = 'ready'
        this.#restarts = 0
        if (this.#registered !== undefined) {
          this.#registered(message.registrations)
          this.#registered = undefined
          this.#failedToStart = undefined
        }
        this.#drain(slot)
      } else if (message.t === 'failed') {
        this.#end(slot, `could not run: its plugin failed to load in a new worker (${message.message})`)
        if (this.#failedToStart !== undefined) {
          this.#failedToStart(message.message)
          this.#failedToStart = undefined
          this.#registered = undefined
          void this.close()
        }
      }
    })
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        this.#end(slot, `ran out of memory: its worker reached the heap limit of ${limits.memoryMb} MiB (limits.memoryMb) and was replaced`, 'was stopped: its worker ran out of memory')
      } else {
        this.#end(slot, `failed outside its own code path: the plugin threw where no call could catch it (${error.name}: ${error.message}), and its worker was replaced`, 'was stopped: its worker failed')
      }
      log.warn({ plugin: name, err: { type: error.name, message: error.message, code: error.code } }, 'isolated plugin worker failed; replacing it')
    })
    worker.on('exit', (code) => {
      this.#end(slot, `ended its worker (process.exit(${code}) or the worker stopped); the worker was replaced`, 'was stopped: its worker exited')
      this.#slots.delete(slot)
      if (this.#closed) return
      if (this.#failedToStart !== undefined && ![...this.#slots].some((s) => s.state !== 'dead')) {
        this.#failedToStart(`its worker exited (code ${code}) before the plugin registered`)
        this.#failedToStart = undefined
        return
      }
      // Replaced at once the first time, then with a growing delay: a plugin that dies at load cannot spin the host.
      const delay = Math.min(10_000, this.#restarts === 0 ? 0 : 100 * 2 ** this.#restarts)
      this.#restarts++
      setTimeout(() => { if (!this.#closed) this.#spawn() }, delay).unref()
    })
    worker.postMessage({ t: 'init', url, name, options })
  }

  /** Set by the owner: a plugin's `notifyResourceUpdated`. */
  onNotify: (uri: string) => void = () => {}

  /** Ends a worker the host gave up on: its calls get `reason`, then it is terminated (and replaced on exit). */
  #end (slot: Slot, reason: string, stopNote?: string): void {
    if (slot.state === 'dead') return
    slot.state = 'dead'
    if (!slot.ended) {
      slot.ended = true
      slot.channel.failAll(reason, stopNote)
    }
    void slot.worker.terminate()
  }

  /** A call told to stop that is still running a moment later (it ignores its signal): its worker is stopped. */
  #abandonLater (slot: Slot, id: number): void {
    setTimeout(() => {
      if (!slot.channel.pending.has(id) || slot.state === 'dead') return
      this.#end(slot, 'did not stop when its signal aborted (it ignores ctx.signal): its worker was terminated and is being replaced',
        'was stopped: it ignored ctx.signal, so its worker was terminated')
    }, ABANDON_GRACE_MS).unref()
  }

  /** Checks the CPU time of every busy worker, as long as one is busy. */
  #watch (): void {
    if (this.#watchdog !== undefined) return
    const { cpuMs } = this.#options.limits
    this.#watchdog = setInterval(() => {
      let busy = false
      for (const slot of this.#slots) {
        if (slot.state !== 'busy' || slot.baseline === undefined) continue
        busy = true
        const used = slot.worker.performance.eventLoopUtilization(slot.baseline).active
        if (used > cpuMs) {
          this.#end(slot, `used more than its CPU time limit of ${cpuMs} ms (limits.cpuMs): its worker was terminated and is being replaced`,
            `was stopped: it used more than its CPU time limit of ${cpuMs} ms`)
        }
      }
      if (!busy) {
        clearInterval(this.#watchdog)
        this.#watchdog = undefined
      }
    }, Math.max(10, Math.min(250, Math.floor(cpuMs / 10))))
    this.#watchdog.unref()
  }
}
