/**
 * The one interface every database sits behind. The tools, resources and
 * prompt are written once against it; a driver owns its engine's read-only
 * mode, time limit, row cap and cancellation.
 */
import type { Cell } from './format.ts'

export type DriverKind = 'embedded' | 'sqlite-file' | 'postgres'

export interface QueryOptions {
  /** Fires when the call is cancelled: the driver stops the query and frees its connection. */
  signal?: AbortSignal
  /** Rows beyond this are not fetched; `truncated` says some existed. */
  maxRows: number
  /** Bytes of cell data the result may carry (SQLite: applied in the worker, before rows cross to the main thread). */
  maxBytes?: number
  /** The statement time limit. */
  timeoutMs: number
}

export interface QueryResult {
  columns: string[]
  rows: Cell[][]
  /** Rows returned (at most `maxRows`). */
  rowCount: number
  /** True when the query had more rows than `maxRows`, or more bytes than the result's byte budget. */
  truncated: boolean
}

export interface TableSummary {
  name: string
  type: 'table' | 'view'
}

export interface ColumnDescription {
  name: string
  type: string
  nullable: boolean
  /** The column's default as SQL text, or null. */
  default: string | null
  /** Position in the primary key, from 1; 0 when not part of it. */
  primaryKey: number
}

export interface ForeignKeyDescription {
  columns: string[]
  referencedTable: string
  referencedColumns: string[]
}

export interface TableDescription {
  name: string
  type: 'table' | 'view'
  columns: ColumnDescription[]
  foreignKeys: ForeignKeyDescription[]
  indexes: Array<{ name: string, columns: string[], unique: boolean }>
}

export interface Driver {
  readonly kind: DriverKind
  /** The SQL dialect with its version, as a model should read it: "SQLite 3.49.1", "PostgreSQL 15.10". */
  readonly dialect: string
  /** Runs one statement (already checked by the guard) in the engine's read-only mode. */
  query (sql: string, params: unknown[], options: QueryOptions): Promise<QueryResult>
  listTables (options?: { signal?: AbortSignal }): Promise<TableSummary[]>
  /** Undefined when there is no such table or view. */
  describeTable (name: string, options?: { signal?: AbortSignal }): Promise<TableDescription | undefined>
  close (): Promise<void>
}

export type DbErrorCode =
  /** The statement ran past its time limit and was stopped. */
  | 'timeout'
  /** The caller cancelled; the query was stopped. */
  | 'cancelled'
  /** The engine refused or failed the statement (syntax, read-only, missing table…). */
  | 'query'
  /** The database cannot be reached or the engine had to be restarted. */
  | 'unavailable'
  /** The query needed more memory than the engine is allowed. */
  | 'memory'
  /** Refused before it ran: the queue is full or the client has too many queries at once (retry later). */
  | 'busy'
  /** Waited longer than the queue time limit for a free connection; it never ran (retry later). */
  | 'queue-timeout'

/** A failure meant for the caller; the plugin turns it into a tool error. */
export class DbError extends Error {
  override name = 'DbError'
  readonly code: DbErrorCode

  constructor (code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export function timeoutError (timeoutMs: number): DbError {
  return new DbError('timeout',
    `The query was stopped after the ${timeoutMs} ms statement time limit. ` +
    'Narrow it (WHERE, LIMIT, fewer joins) or check for a recursive CTE without an end.')
}

export function cancelledError (): DbError {
  return new DbError('cancelled', 'The query was cancelled and stopped.')
}
