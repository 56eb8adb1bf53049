/**
 * Tables and their schemas, read from SQLite's catalog with table-valued
 * pragma functions (plain SELECTs, so they work under `query_only`).
 */
import type { ColumnDescription, TableDescription, TableSummary } from '../driver.ts'

type Rows = (sql: string, params?: Array<string | number>) => Array<Record<string, unknown>>

export function listTables (rows: Rows): TableSummary[] {
  return rows(
    "select name, type from sqlite_schema where type in ('table', 'view') and name not like 'sqlite\\_%' escape '\\' order by name"
  ).map((row) => ({ name: String(row.name), type: row.type === 'view' ? 'view' : 'table' }))
}

export function describeTable (rows: Rows, table: string): TableDescription | undefined {
  // SQLite matches names without regard to case; report the stored spelling.
  const [found] = rows(
    "select name, type from sqlite_schema where type in ('table', 'view') and name = ? collate nocase", [table]
  )
  if (found === undefined) return undefined
  const name = String(found.name)
  const columns: ColumnDescription[] = rows('select name, type, "notnull", dflt_value, pk from pragma_table_info(?)', [name])
    .map((row) => ({
      name: String(row.name),
      type: String(row.type),
      nullable: row.notnull === 0 && row.pk === 0,
      default: row.dflt_value === null ? null : String(row.dflt_value),
      primaryKey: Number(row.pk)
    }))
  const foreignKeys = new Map<number, TableDescription['foreignKeys'][number]>()
  for (const row of rows('select id, "table", "from", "to" from pragma_foreign_key_list(?) order by id, seq', [name])) {
    const key = foreignKeys.get(Number(row.id)) ?? { columns: [], referencedTable: String(row.table), referencedColumns: [] }
    key.columns.push(String(row.from))
    // A reference to the parent's primary key may omit the column list.
    if (row.to !== null) key.referencedColumns.push(String(row.to))
    foreignKeys.set(Number(row.id), key)
  }
  const indexes = rows('select name, "unique" from pragma_index_list(?) order by name', [name]).map((row) => ({
    name: String(row.name),
    unique: row.unique === 1,
    columns: rows('select name from pragma_index_info(?) order by seqno', [String(row.name)]).map((c) => String(c.name))
  }))
  return { name, type: found.type === 'view' ? 'view' : 'table', columns, foreignKeys: [...foreignKeys.values()], indexes }
}
