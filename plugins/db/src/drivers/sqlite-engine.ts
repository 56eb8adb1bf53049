/**
 * One SQLite database opened the way the plugin needs it, with `node:sqlite`:
 * read-only at the engine level (`readOnly: true`, so the file is opened
 * without write access and no pragma can change that), plus defense in depth
 * behind the statement guard: an authorizer that refuses every write, ATTACH,
 * transaction and setting-changing pragma, `query_only`, defensive mode and
 * no extensions. Pages are read from the file as queries need them, so a
 * multi-gigabyte file costs no more memory than a small one.
 *
 * Plain functions, so a test can open a file the same way in-process; the
 * driver runs them in a child process (sqlite-child.ts) that it can kill.
 */
import { constants, DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import { CellBudget } from '../cell-budget.ts'
import type { QueryResult } from '../driver.ts'
import { SQLITE_READ_PRAGMAS, SQLITE_TABLE_PRAGMAS } from '../sql-guard.ts'

export interface OpenOptions {
  /** Install the authorizer (default true); off only in the test that proves `readOnly` holds by itself. */
  authorizer?: boolean
}

/** What a reading statement may do; everything else (writes, DDL, ATTACH, transactions, pragma writes) is denied. */
const ALLOWED = new Set([constants.SQLITE_SELECT, constants.SQLITE_READ, constants.SQLITE_FUNCTION, constants.SQLITE_RECURSIVE])

function authorize (action: number, arg1: string | null, arg2: string | null): number {
  if (ALLOWED.has(action)) return constants.SQLITE_OK
  if (action === constants.SQLITE_PRAGMA && arg1 !== null) {
    const name = arg1.toLowerCase()
    // A table pragma's argument names a table; a setting's argument would change it, so only the bare read passes.
    if (SQLITE_TABLE_PRAGMAS.has(name) || (arg2 === null && SQLITE_READ_PRAGMAS.has(name))) return constants.SQLITE_OK
  }
  return constants.SQLITE_DENY
}

export function openReadOnly (path: string, options: OpenOptions = {}): DatabaseSync {
  let db: DatabaseSync
  try {
    db = new DatabaseSync(path, { readOnly: true, allowExtension: false, readBigInts: true, returnArrays: true })
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`)
  }
  try {
    // The first read tells whether the file is a database at all.
    db.prepare('select count(*) from sqlite_schema').get()
  } catch (error) {
    db.close()
    throw new Error(`${path} is not a readable SQLite database: ${(error as Error).message}`)
  }
  // Both arrived in Node 24 (the project's runtime); on an older Node the read-only open and query_only still hold.
  if (typeof db.enableDefensive === 'function') db.enableDefensive(true)
  // Sorts and groups spill to temp storage: keep it in memory, where the process's memory watchdog sees it.
  db.exec('pragma query_only = on; pragma temp_store = memory; pragma trusted_schema = off')
  if (options.authorizer !== false && typeof db.setAuthorizer === 'function') db.setAuthorizer(authorize)
  return db
}

export function sqliteVersion (db: DatabaseSync): string {
  return String((db.prepare('select sqlite_version()').get() as unknown as unknown[])[0])
}

/** Rows as objects, for the catalog (sqlite-catalog.ts). */
export function rowObjects (db: DatabaseSync, sql: string, params: Array<string | number> = []): Array<Record<string, unknown>> {
  const stmt = db.prepare(sql)
  stmt.setReturnArrays(false)
  stmt.setReadBigInts(false)
  return stmt.all(...params) as Array<Record<string, unknown>>
}

/**
 * One statement, at most `maxRows` rows within `maxBytes`: rows are stepped
 * one at a time and stop at either cap, so the rest is never read.
 */
export function runQuery (db: DatabaseSync, sql: string, params: unknown[], maxRows: number, maxBytes: number): QueryResult {
  const stmt = prepareOne(db, sql)
  const result: QueryResult = { columns: stmt.columns().map((c) => c.name), rows: [], rowCount: 0, truncated: false }
  const budget = new CellBudget(maxBytes)
  const rows = bound(stmt, params)
  try {
    for (const row of rows) {
      // One row past the cap says there are more, without reading them all.
      if (result.rows.length === maxRows) {
        result.truncated = true
        break
      }
      if (!budget.hasRoom()) break
      result.rows.push(budget.row(row))
    }
  } finally {
    rows.return?.()
  }
  result.truncated ||= budget.truncated
  result.rowCount = result.rows.length
  return result
}

/** The engine's own count of statements, the second line behind the guard: `prepare` takes only the first. */
function prepareOne (db: DatabaseSync, sql: string): StatementSync {
  const stmt = db.prepare(sql)
  const first = stmt.sourceSQL
  const tail = sql.startsWith(first) ? sql.slice(first.length) : sql
  if (tail.trim() !== '') {
    let more = true
    try {
      db.prepare(tail)
    } catch (error) {
      more = !/contains no statements/.test((error as Error).message)
    }
    if (more) throw new Error('Send one statement per call: SQLite found more than one.')
  }
  return stmt
}

function bound (stmt: StatementSync, params: unknown[]): IterableIterator<unknown[]> {
  try {
    return stmt.iterate(...params as SQLInputValue[]) as IterableIterator<unknown[]>
  } catch (error) {
    // SQLite says "column index out of range" when there are more values than placeholders.
    if (/out of range/.test((error as Error).message)) throw new Error(`The query has fewer placeholders than the ${params.length} values in params.`)
    throw error
  }
}
