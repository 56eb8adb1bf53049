/** Messages between the SQLite driver and its worker threads. */
import type { QueryResult, TableDescription, TableSummary } from '../driver.ts'
import type { Migration } from '../migrations.ts'

export interface WorkerSetup {
  /** The embedded demo database is built from migrations; a file is read from disk (and re-read on restart). */
  source: { kind: 'embedded', migrations: Migration[] } | { kind: 'sqlite-file', path: string }
  /** SQLite's hard heap limit, in bytes. */
  heapLimitBytes: number
}

export type WorkerRequest =
  | { id: number, op: 'query', sql: string, params: unknown[], maxRows: number, maxBytes: number }
  | { id: number, op: 'tables' }
  | { id: number, op: 'describe', table: string }

export type WorkerResponse =
  | { id: number, ok: true, result: QueryResult | TableSummary[] | TableDescription | null }
  | { id: number, ok: false, message: string, memory?: boolean }

export type WorkerStatus =
  | { type: 'ready', sqliteVersion: string, loadMs: number }
  | { type: 'failed', message: string }
