/**
 * Rendering for people and models: result sets as a plain-text table, and
 * driver values made JSON-safe for `structuredContent`.
 */

/** A cell as JSON: numbers, strings, booleans, null, or parsed JSON (PostgreSQL json/jsonb). */
export type Cell = unknown

/** Longest cell shown in the text table; `structuredContent` keeps the whole value. */
const MAX_CELL_CHARS = 200

/**
 * Makes a driver value safe to send as JSON: bytes become `\x…` hex (the
 * PostgreSQL bytea text form), big integers stay exact as strings unless they
 * fit a double, dates become ISO strings.
 */
export function toJsonValue (value: unknown): Cell {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (value instanceof Uint8Array) return '\\x' + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
  if (value instanceof Date) return value.toISOString()
  return value
}

function cellText (value: Cell): string {
  if (value === null) return 'NULL'
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value)
  // One line per row: newlines and tabs would break the table's columns.
  const flat = text.replace(/\r?\n|\r/g, '\\n').replace(/\t/g, '\\t')
  return flat.length > MAX_CELL_CHARS ? flat.slice(0, MAX_CELL_CHARS - 1) + '…' : flat
}

/**
 * `id | name\n---+-----\n1  | Ada\n(1 row)`, with a note when rows were cut
 * at the row cap so that a model knows to narrow its query.
 */
export function formatTable (columns: string[], rows: Cell[][], truncated: boolean, maxRows: number): string {
  const count = `${rows.length} row${rows.length === 1 ? '' : 's'}`
  const footer = truncated
    ? `(${count} shown; more rows exist beyond the ${maxRows}-row cap: add a LIMIT, a WHERE or an aggregate to see the rest)`
    : `(${count})`
  if (columns.length === 0) return footer
  const cells = rows.map((row) => row.map(cellText))
  const widths = columns.map((name, i) => Math.max(name.length, ...cells.map((row) => row[i]?.length ?? 0)))
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i])).join(' | ').trimEnd()
  return [
    line(columns),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...cells.map(line),
    footer
  ].join('\n')
}
