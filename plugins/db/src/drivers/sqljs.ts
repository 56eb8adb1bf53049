/**
 * The SQLite driver (embedded demo database or a SQLite file): a small pool
 * of worker threads, each holding its own copy of the database in sql.js.
 *
 * A query runs in one free worker while the others keep answering. Over its
 * time limit, or when the call is cancelled, the worker is terminated (the
 * only way to stop sql.js mid-query) and a fresh one is started, which
 * rebuilds its database: migrations for the embedded one, a re-read for a
 * file. A worker that dies on its own (out of memory, crash) is replaced the
 * same way. A worker that cannot start (the file is gone) is retried on the
 * next call, so the driver recovers when the file comes back.
 */
import type { Worker } from 'node:worker_threads'
import {
  cancelledError, DbError, timeoutError,
  type Driver, type DriverKind, type QueryOptions, type QueryResult, type TableDescription, type TableSummary
} from '../driver.ts'
import type { WorkerRequest, WorkerResponse, WorkerSetup, WorkerStatus } from './sqljs-protocol.ts'
import { siblingModule, spawnWorker } from './spawn-worker.ts'

export interface SqliteDriverOptions {
  source: WorkerSetup['source']
  /** Number of worker threads (concurrent queries). */
  poolSize: number
  /** Per worker: V8 heap limit and SQLite hard heap limit, in MiB. */
  memoryLimitMb: number
  /** Time limit for catalog reads (list and describe). */
  timeoutMs: number
  /** Told about restarts; a pino logger fits. */
  logger?: { warn: (obj: object, msg: string) => void }
}

/** Test hook: the live worker threads, so a test can kill one as a crash would. */
export const kWorkers = Symbol('workers')

interface Slot {
  worker: Worker | undefined
  ready: Promise<void>
  isReady: boolean
  busy: boolean
  pending: { id: number, resolve: (value: unknown) => void, reject: (error: Error) => void } | undefined
}

const workerUrl = siblingModule('sqljs-worker', import.meta.url)

export class SqliteDriver implements Driver {
  readonly kind: DriverKind
  dialect = 'SQLite'
  /** Workers started to replace a stopped one. */
  restarts = 0
  /** How long the last worker took from spawn to ready, in ms (its own load time; spawn excluded). */
  lastLoadMs = 0
  private readonly slots: Slot[]
  private readonly waiters: Array<{ resolve: (slot: Slot) => void, reject: (error: Error) => void }> = []
  private nextId = 1
  private closed = false

  private readonly options: SqliteDriverOptions

  private constructor (options: SqliteDriverOptions) {
    this.options = options
    this.kind = options.source.kind
    this.slots = Array.from({ length: options.poolSize }, () => ({
      worker: undefined, ready: Promise.resolve(), isReady: false, busy: false, pending: undefined
    }))
  }

  /** Starts every worker; rejects (and stops them) if the database cannot be loaded. */
  static async open (options: SqliteDriverOptions): Promise<SqliteDriver> {
    const driver = new SqliteDriver(options)
    try {
      await Promise.all(driver.slots.map((slot) => driver.start(slot)))
    } catch (error) {
      await driver.close()
      throw error
    }
    return driver
  }

  query (sql: string, params: unknown[], options: QueryOptions): Promise<QueryResult> {
    return this.run((id) => ({ id, op: 'query', sql, params, maxRows: options.maxRows, maxBytes: options.maxBytes ?? Number.MAX_SAFE_INTEGER }), options.timeoutMs, options.signal)
  }

  listTables (options: { signal?: AbortSignal } = {}): Promise<TableSummary[]> {
    return this.run((id) => ({ id, op: 'tables' }), this.options.timeoutMs, options.signal)
  }

  async describeTable (table: string, options: { signal?: AbortSignal } = {}): Promise<TableDescription | undefined> {
    const found = await this.run<TableDescription | null>((id) => ({ id, op: 'describe', table }), this.options.timeoutMs, options.signal)
    return found ?? undefined
  }

  async close (): Promise<void> {
    this.closed = true
    for (const waiter of this.waiters.splice(0)) waiter.reject(new DbError('unavailable', 'The database is closing.'))
    await Promise.all(this.slots.map(async (slot) => {
      const worker = slot.worker
      slot.worker = undefined
      slot.pending?.reject(new DbError('unavailable', 'The database is closing.'))
      await worker?.terminate()
    }))
  }

  [kWorkers] (): Worker[] {
    return this.slots.flatMap((slot) => slot.worker !== undefined ? [slot.worker] : [])
  }

  private start (slot: Slot): Promise<void> {
    const worker = spawnWorker(workerUrl, {
      workerData: { source: this.options.source, heapLimitBytes: this.options.memoryLimitMb * 1024 * 1024 } satisfies WorkerSetup,
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryLimitMb }
    })
    // An idle worker must not keep the process alive; a running query has its timer for that.
    worker.unref()
    slot.worker = worker
    slot.isReady = false
    let crash: Error | undefined
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerStatus | WorkerResponse) => {
        if (!('type' in message)) return this.settle(slot, message)
        if (message.type === 'ready') {
          this.dialect = `SQLite ${message.sqliteVersion}`
          this.lastLoadMs = Math.round(message.loadMs)
          slot.isReady = true
          return resolve()
        }
        if (slot.worker === worker) slot.worker = undefined
        void worker.terminate()
        reject(new DbError('unavailable', `The SQLite database could not be loaded: ${message.message}`))
      })
      worker.on('error', (error) => { crash = error })
      worker.on('exit', () => {
        reject(new DbError('unavailable', `The SQLite worker stopped while starting${crash !== undefined ? `: ${crash.message}` : ''}`))
        this.exited(slot, worker, crash)
      })
    })
    slot.ready.catch(() => {})
    return slot.ready
  }

  /** A worker ended without being told to: fail its query, and replace it if it had been working. */
  private exited (slot: Slot, worker: Worker, crash: Error | undefined): void {
    if (slot.worker !== worker) return
    slot.worker = undefined
    const outOfMemory = (crash as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
    slot.pending?.reject(outOfMemory
      ? this.memoryError()
      : new DbError('unavailable', 'The SQLite engine stopped while running the query and is being restarted; try again.'))
    if (slot.isReady && !this.closed) this.restart(slot, outOfMemory ? 'out of memory' : 'the worker exited')
  }

  /** Stops the slot's worker (a runaway or cancelled query) and starts a fresh one. */
  private restart (slot: Slot, reason: string): void {
    const old = slot.worker
    slot.worker = undefined
    void old?.terminate()
    if (this.closed) return
    this.restarts++
    this.options.logger?.warn({ reason, restarts: this.restarts }, 'db: restarting a SQLite worker')
    void this.start(slot)
  }

  private settle (slot: Slot, response: WorkerResponse): void {
    if (slot.pending?.id !== response.id) return
    if (response.ok) slot.pending.resolve(response.result)
    else slot.pending.reject(response.memory === true ? this.memoryError() : new DbError('query', response.message))
  }

  private memoryError (): DbError {
    return new DbError('memory',
      `The query needed more than the ${this.options.memoryLimitMb} MiB memory limit and was stopped. ` +
      'Aggregate, filter or LIMIT it.')
  }

  private async run<T> (request: (id: number) => WorkerRequest, timeoutMs: number, signal: AbortSignal | undefined): Promise<T> {
    if (this.closed) throw new DbError('unavailable', 'The database is closed.')
    if (signal?.aborted === true) throw cancelledError()
    const slot = await this.acquire(signal)
    try {
      await abortable(this.ready(slot), signal)
      const worker = slot.worker
      if (worker === undefined) throw new DbError('unavailable', 'The SQLite engine is restarting; try again.')
      return await new Promise<T>((resolve, reject) => {
        const id = this.nextId++
        const done = (): void => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          slot.pending = undefined
        }
        const stop = (error: DbError): void => {
          done()
          this.restart(slot, error.code)
          reject(error)
        }
        const timer = setTimeout(() => stop(timeoutError(timeoutMs)), timeoutMs)
        const onAbort = (): void => stop(cancelledError())
        signal?.addEventListener('abort', onAbort, { once: true })
        slot.pending = {
          id,
          resolve: (value) => { done(); resolve(value as T) },
          reject: (error) => { done(); reject(error) }
        }
        worker.postMessage(request(id))
      })
    } finally {
      this.release(slot)
    }
  }

  /** Waits for the slot's worker; one that failed to start is tried again (the file may be back). */
  private async ready (slot: Slot): Promise<void> {
    try {
      await slot.ready
    } catch (error) {
      if (slot.worker !== undefined || this.closed) throw error
      await this.start(slot)
    }
  }

  private acquire (signal: AbortSignal | undefined): Promise<Slot> {
    // A ready worker first; one still starting will be waited for.
    const free = this.slots.find((s) => !s.busy && s.isReady) ?? this.slots.find((s) => !s.busy)
    if (free !== undefined) {
      free.busy = true
      return Promise.resolve(free)
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        reject(cancelledError())
      }
      const waiter = {
        resolve: (slot: Slot) => { signal?.removeEventListener('abort', onAbort); resolve(slot) },
        reject: (error: Error) => { signal?.removeEventListener('abort', onAbort); reject(error) }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(waiter)
    })
  }

  private release (slot: Slot): void {
    const next = this.waiters.shift()
    if (next !== undefined) next.resolve(slot)
    else slot.busy = false
  }
}

/** Rejects with the cancelled error as soon as `signal` fires, without waiting for `promise`. */
function abortable<T> (promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelledError())
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
