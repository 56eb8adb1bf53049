/**
 * One statement through the extended query protocol, read in pages of
 * PAGE_ROWS rows and stopped at the row cap or the byte budget, whichever
 * comes first: the server suspends the portal after each page and we ask
 * for the next only while there is room, so a huge answer is never built
 * here. Each row is cut to the budget as it arrives (cell-budget.ts); a
 * field too big for it is cut from its raw text before any type parser
 * sees it (no 60 MB JSON.parse, no 60 MB bytea Buffer). The extended
 * protocol also makes PostgreSQL itself refuse a string with several
 * statements.
 *
 * It is pg's own Query with its row, page and error handlers changed (the
 * approach of pg-cursor, without the dependency). PostgreSQL sends a row as
 * one message, so the biggest single row is held whole while it is cut.
 */
import pg from 'pg'
import { BlobSize, CellBudget, MAX_CELL_BYTES } from '../cell-budget.ts'
import type { Cell } from '../format.ts'

interface Connection { sync (): void }

/** Rows asked for per round trip: small enough that a page of big rows stays small, big enough for few round trips. */
const PAGE_ROWS = 10
const BYTEA = pg.types.builtins.BYTEA

export interface CappedResult {
  columns: string[]
  rows: Cell[][]
  truncated: boolean
}

/** pg.Query internals this subclass uses; @types/pg does not declare them. */
interface QueryInternals {
  _result: { fields: Array<{ dataTypeID: number }>, _parsers: Array<(raw: string) => unknown> }
  _getRows (connection: Connection, rows: number): void
  handleError (error: Error, connection: Connection): void
}

class CappedQuery extends pg.Query {
  readonly rowsOut: Cell[][] = []
  readonly #maxRows: number
  readonly #budget: CellBudget
  /** Row cap or budget reached: the rest of the page is ignored and no further page is asked for. */
  #full = false
  #moreRows = false

  constructor (config: pg.QueryConfig, maxRows: number, maxBytes: number) {
    super(config)
    this.#maxRows = maxRows
    this.#budget = new CellBudget(maxBytes)
  }

  get truncated (): boolean {
    return this.#moreRows || this.#budget.truncated
  }

  handleDataRow (message: { fields: Array<string | null> }): void {
    if (this.#full) return
    if (this.rowsOut.length === this.#maxRows) {
      this.#moreRows = true
      this.#full = true
      return
    }
    if (!this.#budget.hasRoom()) {
      this.#full = true
      return
    }
    const { fields, _parsers: parsers } = (this as unknown as QueryInternals)._result
    this.rowsOut.push(this.#budget.row(message.fields.map((raw, i) => {
      if (raw === null) return null
      // Too big to keep: cut the raw text (the budget cuts it further); bytea says its size instead.
      if (raw.length > MAX_CELL_BYTES) return fields[i].dataTypeID === BYTEA ? new BlobSize((raw.length - 2) / 2) : raw
      return parsers[i](raw)
    })))
  }

  handlePortalSuspended (connection: Connection): void {
    // More rows may follow: with no room left the result is cut here (hasRoom marks it truncated).
    if (this.#full || !this.#budget.hasRoom()) {
      connection.sync()
      return
    }
    // The last page asks for one row past the cap: it tells whether there are more, without reading them.
    (this as unknown as QueryInternals)._getRows(connection, Math.min(PAGE_ROWS, this.#maxRows - this.rowsOut.length + 1))
  }

  handleError (error: Error, connection: Connection): void {
    // pg only pipelines the Sync the server waits for when no page size is set: send it ourselves.
    connection.sync()
    const base = (pg.Query.prototype as unknown as QueryInternals).handleError
    base.call(this, error, connection)
  }
}

export function cappedQuery (client: pg.ClientBase, text: string, values: unknown[], maxRows: number, maxBytes: number): Promise<CappedResult> {
  return new Promise((resolve, reject) => {
    // rows/rowMode/queryMode are pg.Query options that @types/pg's QueryConfig lacks.
    const config: pg.QueryConfig & { rows: number, rowMode: 'array', queryMode: 'extended' } =
      { text, values, rows: Math.min(PAGE_ROWS, maxRows + 1), rowMode: 'array', queryMode: 'extended' }
    const query = new CappedQuery(config, maxRows, maxBytes)
    query.on('error', reject)
    query.on('end', (result) => {
      resolve({ columns: result.fields.map((field) => field.name), rows: query.rowsOut, truncated: query.truncated })
    })
    client.query(query)
  })
}
