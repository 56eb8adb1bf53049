/**
 * One SQLite engine (sql.js, WebAssembly) in a worker thread. sql.js runs a
 * query synchronously to the end, so it lives here: a runaway query blocks
 * only this thread, and the driver stops it by terminating the thread.
 *
 * At start it builds its database (the embedded demo from migrations, or a
 * file's bytes read into memory), switches it to `query_only`, and reports
 * `ready`. Nothing is ever written back to a file.
 */
import { readFileSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import initSqlJs, { type Database, type SqlValue, type Statement } from 'sql.js'
import type { QueryResult } from '../driver.ts'
import { toJsonValue, type Cell } from '../format.ts'
import { applyMigrations } from '../migrations.ts'
import { describeTable, listTables } from './sqlite-catalog.ts'
import type { WorkerRequest, WorkerResponse, WorkerSetup, WorkerStatus } from './sqljs-protocol.ts'

const port = parentPort
if (port === null) throw new Error('sqljs-worker.ts runs as a worker thread')
const setup = workerData as WorkerSetup

/** `Statement.get` takes a config whose `useBigInt` keeps 64-bit integers exact; @types/sql.js lacks it. */
type GetWithConfig = (params: null, config: { useBigInt: boolean }) => Array<SqlValue | bigint>

async function open (): Promise<{ db: Database, sqliteVersion: string }> {
  const SQL = await initSqlJs()
  let db: Database
  if (setup.source.kind === 'sqlite-file') {
    let bytes: Buffer
    try {
      bytes = readFileSync(setup.source.path)
    } catch (error) {
      throw new Error(`cannot read ${setup.source.path}: ${(error as Error).message}`)
    }
    db = new SQL.Database(bytes)
    try {
      // sql.js opens any bytes; the first read tells whether they are a database.
      db.exec('select count(*) from sqlite_schema')
    } catch (error) {
      throw new Error(`${setup.source.path} is not a readable SQLite database: ${(error as Error).message}`)
    }
  } else {
    db = new SQL.Database()
    await applyMigrations({ exec: (sql) => db.exec(sql), rows: (sql) => rows(db, sql) }, setup.source.migrations)
  }
  // Queries that sort or group spill to temp storage: keep it in SQLite's heap, under the limit.
  db.exec(`pragma temp_store = memory; pragma hard_heap_limit = ${Math.floor(setup.heapLimitBytes)}`)
  // The engine-level guarantee: from here on any write fails inside SQLite.
  db.exec('pragma query_only = on')
  return { db, sqliteVersion: String(db.exec('select sqlite_version()')[0].values[0][0]) }
}

function rows (db: Database, sql: string, params: Array<string | number> = []): Array<Record<string, unknown>> {
  const stmt = db.prepare(sql, params)
  try {
    const out: Array<Record<string, unknown>> = []
    while (stmt.step()) out.push(stmt.getAsObject())
    return out
  } finally {
    stmt.free()
  }
}

/** No one cell carries more than this; a bigger one is cut (text) or summarized (blob) before it is copied. */
const MAX_CELL_BYTES = 65_536

/** A cell within `room` bytes: blobs over it are summarized, long text cut; sizes measured without copying. */
function cappedCell (value: unknown, room: number): { cell: Cell, bytes: number, cut: boolean } {
  const cap = Math.max(0, Math.min(MAX_CELL_BYTES, room))
  if (value instanceof Uint8Array && value.byteLength * 2 + 2 > cap) {
    const summary = `<blob ${value.byteLength} bytes>`
    return { cell: summary, bytes: summary.length, cut: true }
  }
  if (typeof value === 'string' && value.length > cap) {
    const text = value.slice(0, cap) + '…'
    return { cell: text, bytes: text.length, cut: true }
  }
  const cell = toJsonValue(value)
  return { cell, bytes: typeof cell === 'string' ? cell.length : 8, cut: false }
}

function query (db: Database, sql: string, params: unknown[], maxRows: number, maxBytes: number): QueryResult {
  // The engine's own count of statements: the guard has checked already, this is the second line.
  let count = 0
  for (const stmt of db.iterateStatements(sql)) {
    count++
    stmt.free()
  }
  if (count !== 1) throw new Error(count === 0 ? 'The query is empty.' : `Send one statement per call: SQLite found ${count}.`)
  let stmt: Statement | undefined
  try {
    stmt = db.prepare(sql)
    try {
      stmt.bind(params as SqlValue[])
    } catch (error) {
      // sql.js says "column index out of range" when there are more values than placeholders.
      if (/out of range/.test((error as Error).message)) throw new Error(`The query has fewer placeholders than the ${params.length} values in params.`)
      throw error
    }
    const get = stmt.get.bind(stmt) as unknown as GetWithConfig
    const result: QueryResult = { columns: stmt.getColumnNames(), rows: [], rowCount: 0, truncated: false }
    let bytes = 0
    while (stmt.step()) {
      // One row past the cap says there are more, without reading them all.
      if (result.rows.length === maxRows) {
        result.truncated = true
        break
      }
      // The byte budget holds here, in the worker: a 120 MB answer is never copied to the main thread.
      if (bytes >= maxBytes) {
        result.truncated = true
        break
      }
      const row = get(null, { useBigInt: true }).map((value) => {
        const capped = cappedCell(value, maxBytes - bytes)
        bytes += capped.bytes
        if (capped.cut) result.truncated = true
        return capped.cell
      })
      result.rows.push(row)
    }
    result.rowCount = result.rows.length
    return result
  } finally {
    stmt?.free()
  }
}

function handle (db: Database, request: WorkerRequest): WorkerResponse {
  try {
    switch (request.op) {
      case 'query':
        return { id: request.id, ok: true, result: query(db, request.sql, request.params, request.maxRows, request.maxBytes) }
      case 'tables':
        return { id: request.id, ok: true, result: listTables((sql, params) => rows(db, sql, params)) }
      case 'describe':
        return { id: request.id, ok: true, result: describeTable((sql, params) => rows(db, sql, params), request.table) ?? null }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { id: request.id, ok: false, message, memory: /out of memory/i.test(message) }
  }
}

const started = performance.now()
open().then(({ db, sqliteVersion }) => {
  port.on('message', (request: WorkerRequest) => port.postMessage(handle(db, request)))
  port.postMessage({ type: 'ready', sqliteVersion, loadMs: performance.now() - started } satisfies WorkerStatus)
}, (error: unknown) => {
  port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies WorkerStatus)
})
