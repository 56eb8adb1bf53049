/**
 * The SQLite driver (embedded demo database or a SQLite file): a small pool
 * of child processes, each with the file open read-only in `node:sqlite`.
 *
 * A query runs in one free process while the others keep answering.
 * Stopping one: `node:sqlite` cannot interrupt a running statement, so
 *  - over the statement time limit the process is killed at once;
 *  - a cancelled call is answered at once, and its process gets a short
 *    grace (CANCEL_GRACE_MS) to finish on its own; only one still busy after
 *    it is killed;
 *  - over the memory limit the process's watchdog kills it.
 * A killed or crashed process is replaced, at a rate the RestartThrottle
 * allows; a process that cannot open the file (gone) is retried on the next
 * call, so the driver recovers when the file comes back.
 */
import {
  cancelledError, DbError, timeoutError,
  type Driver, type DriverKind, type QueryOptions, type QueryResult, type TableDescription, type TableSummary
} from '../driver.ts'
import { buildDemoFile, type DemoFile } from './demo-file.ts'
import { RestartThrottle } from './restart-throttle.ts'
import type { ChildRequest } from './sqlite-protocol.ts'
import { SqliteProcess } from './sqlite-process.ts'
import type { Migration } from '../migrations.ts'

export interface SqliteDriverOptions {
  source: { kind: 'embedded', migrations: Migration[] } | { kind: 'sqlite-file', path: string }
  /** Number of processes (concurrent queries). */
  poolSize: number
  /** Per process: memory beyond its idle size, and its V8 heap, in MiB. */
  memoryLimitMb: number
  /** Time limit for catalog reads (list and describe). */
  timeoutMs: number
  /** Told about restarts; a pino logger fits. */
  logger?: { warn: (obj: object, msg: string) => void }
}

/** A cancelled query may finish on its own this long before its process is killed. */
export const CANCEL_GRACE_MS = 250
/** Restarts: a burst of one per slot, then one per this interval. */
const RESTART_INTERVAL_MS = 500

/** Test hook: the live processes' ids, so a test can kill one as a crash would. */
export const kProcesses = Symbol('processes')

interface Slot {
  /** The slot's process, or the replacement the throttle has not started yet; undefined until the slot is first needed. */
  process: Promise<SqliteProcess> | undefined
  /** The last process started, for close(). */
  current: SqliteProcess | undefined
  busy: boolean
}

const childUrl = new URL(`./sqlite-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

export class SqliteDriver implements Driver {
  readonly kind: DriverKind
  dialect = 'SQLite'
  /** Processes started to replace a stopped one. */
  restarts = 0
  /** Cancelled queries whose process finished within the grace and was kept. */
  keptAfterCancel = 0
  readonly #options: SqliteDriverOptions
  readonly #path: string
  readonly #demo: DemoFile | undefined
  readonly #slots: Slot[]
  readonly #waiters: Array<{ resolve: (slot: Slot) => void, reject: (error: Error) => void }> = []
  readonly #throttle: RestartThrottle
  #nextId = 1
  #closed = false

  private constructor (options: SqliteDriverOptions, path: string, demo: DemoFile | undefined) {
    this.#options = options
    this.#path = path
    this.#demo = demo
    this.kind = options.source.kind
    this.#throttle = new RestartThrottle(options.poolSize, RESTART_INTERVAL_MS)
    this.#slots = Array.from({ length: options.poolSize }, () => ({ process: undefined, current: undefined, busy: false }))
  }

  /**
   * Starts the first process and waits until it has the file open; rejects if it cannot. The other slots start
   * their process when first needed: an idle server runs one, and starts faster.
   */
  static async open (options: SqliteDriverOptions): Promise<SqliteDriver> {
    const demo = options.source.kind === 'embedded' ? await buildDemoFile(options.source.migrations) : undefined
    const driver = new SqliteDriver(options, demo?.path ?? (options.source as { path: string }).path, demo)
    try {
      const first = driver.#slots[0]
      const engine = driver.#spawn(first)
      first.process = Promise.resolve(engine)
      driver.dialect = `SQLite ${await engine.ready}`
    } catch (error) {
      await driver.close()
      throw error
    }
    return driver
  }

  query (sql: string, params: unknown[], options: QueryOptions): Promise<QueryResult> {
    return this.#run({ id: 0, op: 'query', sql, params, maxRows: options.maxRows, maxBytes: options.maxBytes ?? Number.MAX_SAFE_INTEGER }, options.timeoutMs, options.signal)
  }

  listTables (options: { signal?: AbortSignal } = {}): Promise<TableSummary[]> {
    return this.#run({ id: 0, op: 'tables' }, this.#options.timeoutMs, options.signal)
  }

  async describeTable (table: string, options: { signal?: AbortSignal } = {}): Promise<TableDescription | undefined> {
    const found = await this.#run<TableDescription | null>({ id: 0, op: 'describe', table }, this.#options.timeoutMs, options.signal)
    return found ?? undefined
  }

  async close (): Promise<void> {
    this.#closed = true
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new DbError('unavailable', 'The database is closing.'))
    // Replacements not started yet see #closed and never start.
    for (const slot of this.#slots) slot.current?.kill()
    this.#demo?.remove()
  }

  [kProcesses] (): number[] {
    return this.#slots.flatMap((slot) => slot.current?.pid !== undefined && slot.current.alive ? [slot.current.pid] : [])
  }

  #spawn (slot: Slot): SqliteProcess {
    slot.current = new SqliteProcess(childUrl, { path: this.#path, memoryLimitMb: this.#options.memoryLimitMb })
    return slot.current
  }

  /** Kills the slot's process and starts a fresh one when the throttle allows. */
  #replace (slot: Slot, old: SqliteProcess, reason: string): void {
    old.kill(reason === 'memory' ? 'memory' : 'killed')
    if (this.#closed) return
    this.restarts++
    const delay = this.#throttle.take()
    this.#options.logger?.warn({ reason, restarts: this.restarts, delayMs: delay }, 'db: restarting a SQLite process')
    slot.process = new Promise((resolve, reject) => setTimeout(() => {
      if (this.#closed) reject(new DbError('unavailable', 'The database is closed.'))
      else resolve(this.#spawn(slot))
    }, delay))
    slot.process.catch(() => {})
  }

  async #run<T> (request: ChildRequest, timeoutMs: number, signal: AbortSignal | undefined): Promise<T> {
    if (this.#closed) throw new DbError('unavailable', 'The database is closed.')
    if (signal?.aborted === true) throw cancelledError()
    const slot = await this.#acquire(signal)
    let handedBack = false
    const release = (): void => {
      if (handedBack) return
      handedBack = true
      this.#release(slot)
    }
    try {
      const engine = await abortable(this.#live(slot), signal)
      return await new Promise<T>((resolve, reject) => {
        const running = engine.request<T>({ ...request, id: this.#nextId++ })
        /** Set once this call has had the process killed, so its failing request does not restart it twice. */
        let stopped = false
        const detach = (): void => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
        }
        const stop = (reason: string): void => {
          stopped = true
          this.#replace(slot, engine, reason)
        }
        const timer = setTimeout(() => {
          detach()
          stop('timeout')
          reject(timeoutError(timeoutMs))
        }, timeoutMs)
        const onAbort = (): void => {
          detach()
          reject(cancelledError())
          // The caller is answered now; the slot stays taken until its process is idle again or replaced.
          handedBack = true
          let decided = false
          const grace = setTimeout(() => {
            decided = true
            if (engine.busy) stop('cancelled')
            this.#release(slot)
          }, CANCEL_GRACE_MS)
          const finished = (): void => {
            if (decided) return
            decided = true
            clearTimeout(grace)
            if (engine.alive) this.keptAfterCancel++
            this.#release(slot)
          }
          running.then(finished, finished)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        running.then((value) => { detach(); resolve(value) }, (error: unknown) => {
          detach()
          // The process ended under the query (crash, memory watchdog): replace it.
          if (!stopped && !engine.alive && !this.#closed) stop(error instanceof DbError && error.code === 'memory' ? 'memory' : 'the process exited')
          reject(error instanceof DbError && error.code === 'memory' ? this.#memoryError() : error)
        })
      })
    } finally {
      release()
    }
  }

  /** The slot's process once it is open, started now if the slot never had one; one that failed to open (the file was gone) is started again. */
  async #live (slot: Slot): Promise<SqliteProcess> {
    slot.process ??= Promise.resolve(this.#spawn(slot))
    const engine = await slot.process
    try {
      await engine.ready
      return engine
    } catch (error) {
      if (this.#closed) throw error
      const fresh = this.#spawn(slot)
      slot.process = Promise.resolve(fresh)
      await fresh.ready
      return fresh
    }
  }

  #memoryError (): DbError {
    return new DbError('memory',
      `The query needed more than the ${this.#options.memoryLimitMb} MiB memory limit and was stopped. ` +
      'Aggregate, filter or LIMIT it.')
  }

  #acquire (signal: AbortSignal | undefined): Promise<Slot> {
    // A slot with a process first; a slot that never had one starts it.
    const free = this.#slots.find((s) => !s.busy && s.process !== undefined) ?? this.#slots.find((s) => !s.busy)
    if (free !== undefined) {
      free.busy = true
      return Promise.resolve(free)
    }
    // Only while a slot waits for its process to be replaced: the admission queue in front bounds this.
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        reject(cancelledError())
      }
      const waiter = {
        resolve: (slot: Slot) => { signal?.removeEventListener('abort', onAbort); resolve(slot) },
        reject: (error: Error) => { signal?.removeEventListener('abort', onAbort); reject(error) }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(waiter)
    })
  }

  #release (slot: Slot): void {
    const next = this.#waiters.shift()
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
