/** Table lists and table schemas as text, for tool results, the schema resource and the prompt. */
import type { TableDescription, TableSummary } from './driver.ts'

export function formatTableList (tables: TableSummary[]): string {
  if (tables.length === 0) return '(no tables)'
  return tables.map((t) => t.type === 'view' ? `${t.name} (view)` : t.name).join('\n')
}

/**
 *   Table order_items (SQLite 3.49.1)
 *   Columns:
 *     order_id    INTEGER  NOT NULL  PRIMARY KEY (1 of 2)
 *   Foreign keys:
 *     order_id -> orders(id)
 */
export function formatTableDescription (table: TableDescription, dialect: string): string {
  const keyColumns = table.columns.filter((c) => c.primaryKey > 0).length
  const nameWidth = Math.max(...table.columns.map((c) => c.name.length))
  const typeWidth = Math.max(...table.columns.map((c) => c.type.length))
  const columns = table.columns.map((c) => [
    c.name.padEnd(nameWidth),
    c.type.padEnd(typeWidth),
    c.nullable ? 'NULL    ' : 'NOT NULL',
    c.primaryKey > 0 ? (keyColumns > 1 ? `PRIMARY KEY (${c.primaryKey} of ${keyColumns})` : 'PRIMARY KEY') : '',
    c.default !== null ? `DEFAULT ${c.default}` : ''
  ].filter((part) => part !== '').join('  ').trimEnd())
  const lines = [`${table.type === 'view' ? 'View' : 'Table'} ${table.name} (${dialect})`, 'Columns:', ...columns.map((line) => `  ${line}`)]
  if (table.foreignKeys.length > 0) {
    lines.push('Foreign keys:', ...table.foreignKeys.map((k) =>
      `  ${k.columns.join(', ')} -> ${k.referencedTable}${k.referencedColumns.length > 0 ? `(${k.referencedColumns.join(', ')})` : ''}`))
  }
  if (table.indexes.length > 0) {
    lines.push('Indexes:', ...table.indexes.map((i) => `  ${i.name}${i.unique ? ' UNIQUE' : ''} (${i.columns.join(', ')})`))
  }
  return lines.join('\n')
}
