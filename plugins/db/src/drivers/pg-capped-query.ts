/**
 * One statement through the extended query protocol, fetching at most
 * `maxRows + 1` rows: the server stops at the cap (PortalSuspended) instead
 * of streaming a huge result we would throw away. The extended protocol
 * also makes PostgreSQL itself refuse a string with several statements.
 *
 * It is pg's own Query with two handlers changed (the same approach as
 * pg-cursor, without the dependency): a suspended portal ends the query,
 * and an error sends the Sync that the server waits for before it answers
 * again (pg only pipelines that Sync when no row cap is set).
 */
import pg from 'pg'

interface Connection { sync (): void }

export interface CappedResult {
  columns: string[]
  rows: unknown[][]
  truncated: boolean
}

class CappedQuery extends pg.Query {
  truncated = false

  handlePortalSuspended (connection: Connection): void {
    this.truncated = true
    connection.sync()
  }

  handleError (error: Error, connection: Connection): void {
    connection.sync()
    // pg.Query's handler, which @types/pg does not declare.
    const base = (pg.Query.prototype as unknown as { handleError: (e: Error, c: Connection) => void }).handleError
    base.call(this, error, connection)
  }
}

export function cappedQuery (client: pg.ClientBase, text: string, values: unknown[], maxRows: number): Promise<CappedResult> {
  return new Promise((resolve, reject) => {
    // rows/rowMode/queryMode are pg.Query options that @types/pg's QueryConfig lacks.
    const config: pg.QueryConfig & { rows: number, rowMode: 'array', queryMode: 'extended' } =
      { text, values, rows: maxRows + 1, rowMode: 'array', queryMode: 'extended' }
    const query = new CappedQuery(config)
    query.on('error', reject)
    query.on('end', (result) => {
      const rows = result.rows as unknown[][]
      resolve({
        columns: result.fields.map((field) => field.name),
        rows: rows.slice(0, maxRows),
        truncated: query.truncated && rows.length > maxRows
      })
    })
    client.query(query)
  })
}
