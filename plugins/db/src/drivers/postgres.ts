/**
 * The PostgreSQL driver: a `pg` pool; every call runs in its own
 * `BEGIN READ ONLY` transaction with `SET LOCAL statement_timeout`, and is
 * rolled back. The connections also default to read-only transactions, so
 * nothing runs writable even outside ours.
 *
 * Stopping a query: the server's statement timeout first; a cancelled call
 * (or a query the timeout somehow missed) gets `pg_cancel_backend` from a
 * separate short-lived connection, so it works even when the pool is full.
 * The connection goes back to the pool only once its query has ended and any
 * cancel has been delivered, so a late cancel never hits the next query; one
 * that does not come back in time is destroyed instead.
 */
import pg from 'pg'
import { redactUrl } from '../config.ts'
import {
  cancelledError, DbError, timeoutError,
  type Driver, type QueryOptions, type QueryResult, type TableDescription, type TableSummary
} from '../driver.ts'
import { cappedQuery } from './pg-capped-query.ts'
import { describeTable, listTables } from './postgres-catalog.ts'

export interface PostgresDriverOptions {
  url: string
  poolSize: number
  connectTimeoutMs: number
  /** Time limit for catalog reads (list and describe). */
  timeoutMs: number
  logger?: { warn: (obj: object, msg: string) => void }
}

/** After the statement timeout, how long before we cancel ourselves, and before we give up on the connection. */
const CANCEL_AFTER_MS = 1000
const DESTROY_AFTER_MS = 5000

const { builtins } = pg.types
/** Dates and times as the server writes them (no time-zone shifts); exact numbers when a double holds them. */
const parsers = new Map<number, (value: string) => unknown>([
  [builtins.DATE, (v) => v],
  [builtins.TIMESTAMP, (v) => v],
  [builtins.TIMESTAMPTZ, (v) => v],
  [builtins.INT8, (v) => Number.isSafeInteger(Number(v)) ? Number(v) : v],
  [builtins.NUMERIC, (v) => v.replace(/^-?0*|\.|0*$/g, '').length <= 15 && Number.isFinite(Number(v)) ? Number(v) : v]
])

type Work<T> = (client: pg.PoolClient) => Promise<T>

export class PostgresDriver implements Driver {
  readonly kind = 'postgres' as const
  dialect = 'PostgreSQL'
  private readonly pool: pg.Pool

  private readonly options: PostgresDriverOptions

  private constructor (options: PostgresDriverOptions) {
    this.options = options
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: 'mcp-platform-db',
      options: '-c default_transaction_read_only=on',
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => parsers.get(oid) ?? pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser }
    })
    // An idle connection dropped by the server (restart, network) must not crash the process.
    this.pool.on('error', (error) => options.logger?.warn({ err: error.message }, 'db: an idle PostgreSQL connection failed'))
  }

  /** Connects once to check the server is there; the error names the (redacted) URL. */
  static async open (options: PostgresDriverOptions): Promise<PostgresDriver> {
    const driver = new PostgresDriver(options)
    try {
      const { rows } = await driver.pool.query<{ version: string }>("select current_setting('server_version') as version")
      driver.dialect = `PostgreSQL ${rows[0].version.split(' ')[0]}`
    } catch (error) {
      await driver.pool.end().catch(() => {})
      throw new Error(`Cannot connect to PostgreSQL at ${redactUrl(options.url)}: ${describe(error)}`, { cause: error })
    }
    return driver
  }

  query (sql: string, params: unknown[], options: QueryOptions): Promise<QueryResult> {
    return this.transaction(options.timeoutMs, options.signal, async (client) => {
      // Rows are cut to the byte budget as they arrive, already JSON values.
      const result = await cappedQuery(client, sql, params, options.maxRows, options.maxBytes ?? Number.MAX_SAFE_INTEGER)
      return { columns: result.columns, rows: result.rows, rowCount: result.rows.length, truncated: result.truncated }
    })
  }

  listTables (options: { signal?: AbortSignal } = {}): Promise<TableSummary[]> {
    return this.transaction(this.options.timeoutMs, options.signal, listTables)
  }

  describeTable (name: string, options: { signal?: AbortSignal } = {}): Promise<TableDescription | undefined> {
    return this.transaction(this.options.timeoutMs, options.signal, (client) => describeTable(client, name))
  }

  async close (): Promise<void> {
    await this.pool.end()
  }

  private async transaction<T> (timeoutMs: number, signal: AbortSignal | undefined, work: Work<T>): Promise<T> {
    if (signal?.aborted === true) throw cancelledError()
    const client = await this.begin(timeoutMs, signal)
    const pid = (client as unknown as { processID: number }).processID
    let released = false
    let broken: Error | undefined
    let cancelling: Promise<void> = Promise.resolve()
    const release = (error?: Error): void => {
      if (released) return
      released = true
      client.release(error)
    }
    const cancel = (): void => { cancelling = this.cancel(pid) }

    const running = work(client).finally(async () => {
      try {
        await client.query('rollback')
        // What a rollback keeps: session-level advisory locks (pg_advisory_lock() is a SELECT). Start the next call clean.
        await client.query('discard all')
      } catch (error) {
        broken = error as Error
      }
    })
    // The connection returns to the pool when the engine is done with it, whatever the caller saw.
    void running.catch((error: Error) => { if (isConnectionError(error)) broken = error })
      .then(() => cancelling)
      .then(() => release(broken))

    return await new Promise<T>((resolve, reject) => {
      let stoppedBy: DbError | undefined
      const cancelTimer = setTimeout(() => { stoppedBy = timeoutError(timeoutMs); cancel() }, timeoutMs + CANCEL_AFTER_MS)
      const destroyTimer = setTimeout(() => {
        release(new Error('query did not stop after cancel'))
        reject(stoppedBy ?? timeoutError(timeoutMs))
      }, timeoutMs + DESTROY_AFTER_MS)
      const onAbort = (): void => {
        cancel()
        reject(cancelledError())
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      running.then(resolve, (error: unknown) => reject(stoppedBy ?? this.toDbError(error, timeoutMs))).finally(() => {
        clearTimeout(cancelTimer)
        clearTimeout(destroyTimer)
        signal?.removeEventListener('abort', onAbort)
      })
    })
  }

  /** A connection in a fresh read-only transaction; a stale pooled connection (server restarted) is replaced once. */
  private async begin (timeoutMs: number, signal: AbortSignal | undefined): Promise<pg.PoolClient> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect(signal)
      try {
        await client.query(`begin transaction read only; set local statement_timeout = ${Math.floor(timeoutMs)}`)
        return client
      } catch (error) {
        client.release(error as Error)
        if (attempt === 1 && isConnectionError(error)) continue
        throw this.toDbError(error, timeoutMs)
      }
    }
  }

  private async connect (signal: AbortSignal | undefined): Promise<pg.PoolClient> {
    const connecting = this.pool.connect().catch((error: unknown) => {
      // pg reports a wait for a busy pool the same way as an unreachable server: tell them apart.
      if (/timeout exceeded when trying to connect/.test(describe(error)) && this.pool.totalCount >= this.options.poolSize) {
        throw new DbError('unavailable',
          `All ${this.options.poolSize} database connections stayed busy for ${this.options.connectTimeoutMs} ms; try again shortly.`, { cause: error })
      }
      throw new DbError('unavailable', `PostgreSQL is unavailable: ${describe(error)}`, { cause: error })
    })
    if (signal === undefined) return await connecting
    return await new Promise((resolve, reject) => {
      // A call cancelled while waiting for a connection gives it back as soon as it comes.
      const onAbort = (): void => {
        connecting.then((client) => client.release(), () => {})
        reject(cancelledError())
      }
      signal.addEventListener('abort', onAbort, { once: true })
      connecting.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
    })
  }

  /** pg_cancel_backend from its own connection: the pool may be full of the very query we stop. */
  private async cancel (pid: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: this.options.connectTimeoutMs })
    try {
      await client.connect()
      await client.query('select pg_cancel_backend($1)', [pid])
    } catch (error) {
      this.options.logger?.warn({ err: describe(error), pid }, 'db: could not cancel a PostgreSQL query')
    } finally {
      await client.end().catch(() => {})
    }
  }

  private toDbError (error: unknown, timeoutMs: number): DbError {
    if (error instanceof DbError) return error
    const e = error as pg.DatabaseError
    if (e.code === '57014') return /statement timeout/.test(e.message) ? timeoutError(timeoutMs) : cancelledError()
    if (isConnectionError(error)) return new DbError('unavailable', `PostgreSQL is unavailable: ${describe(error)}`, { cause: error })
    if (e.code === '25006') {
      return new DbError('query', `PostgreSQL refused a write: ${e.message}. This tool only reads.`, { cause: error })
    }
    const where = e.position !== undefined ? ` (at character ${e.position})` : ''
    const extra = [e.detail, e.hint !== undefined ? `Hint: ${e.hint}` : undefined].filter((x) => x !== undefined).join(' ')
    return new DbError('query', `${e.message}${where}${extra !== '' ? `. ${extra}` : ''}`, { cause: error })
  }
}

/** Errors of the connection rather than the statement: no SQLSTATE, class 08, or the server shutting down / starting. */
function isConnectionError (error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  const severity = (error as { severity?: unknown }).severity
  if (typeof code === 'string' && (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code))) return true
  return severity === undefined && !(error instanceof DbError)
}

function describe (error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  // AggregateError (several addresses refused) has an empty message.
  if (message === '' && error instanceof AggregateError) return error.errors.map(describe).join('; ')
  return redactUrl(message)
}
