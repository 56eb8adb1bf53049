/** Messages between the SQLite driver and its child processes (sqlite-child.ts), over Node's IPC channel. */
import type { QueryResult, TableDescription, TableSummary } from '../driver.ts'

export type ChildRequest =
  | { id: number, op: 'query', sql: string, params: unknown[], maxRows: number, maxBytes: number }
  | { id: number, op: 'tables' }
  | { id: number, op: 'describe', table: string }

export type ChildResponse =
  | { id: number, ok: true, result: QueryResult | TableSummary[] | TableDescription | null }
  | { id: number, ok: false, message: string, memory?: boolean }

export type ChildStatus =
  | { type: 'ready', sqliteVersion: string }
  | { type: 'failed', message: string }
