/**
 * The byte budget of one result, applied row by row where the rows are read
 * (in the SQLite process, or as PostgreSQL streams them in), so a huge answer
 * is never built: a cell over 64 KiB, or over what is left, is cut (text) or
 * summarized as `<blob N bytes>`, and rows stop once the budget is spent.
 */
import { toJsonValue, type Cell } from './format.ts'

/** No one cell carries more than this; a bigger one is cut (text) or summarized (blob) before it is copied on. */
export const MAX_CELL_BYTES = 65_536

/** A blob known only by its size (PostgreSQL's raw bytea text, too big to decode): always summarized. */
export class BlobSize {
  readonly byteLength: number

  constructor (byteLength: number) {
    this.byteLength = byteLength
  }
}

export class CellBudget {
  #left: number
  /** A cell was cut or rows were left out. */
  truncated = false

  constructor (maxBytes: number) {
    this.#left = maxBytes
  }

  /** False once the budget is spent: the next row is not taken (and the result says truncated). */
  hasRoom (): boolean {
    if (this.#left > 0) return true
    this.truncated = true
    return false
  }

  /** The row's cells within what is left of the budget, sizes measured without copying big values. */
  row (values: unknown[]): Cell[] {
    return values.map((value) => {
      const { cell, bytes, cut } = cappedCell(value, this.#left)
      this.#left -= bytes
      if (cut) this.truncated = true
      return cell
    })
  }
}

function cappedCell (value: unknown, room: number): { cell: Cell, bytes: number, cut: boolean } {
  const cap = Math.max(0, Math.min(MAX_CELL_BYTES, room))
  // A blob becomes hex: two characters a byte, plus the `\x`.
  if (value instanceof BlobSize || (value instanceof Uint8Array && value.byteLength * 2 + 2 > cap)) {
    const summary = `<blob ${value.byteLength} bytes>`
    return { cell: summary, bytes: summary.length, cut: true }
  }
  if (typeof value === 'string' && value.length > cap) {
    const text = value.slice(0, cap) + '…'
    return { cell: text, bytes: text.length, cut: true }
  }
  const cell = toJsonValue(value)
  if (typeof cell === 'string') return { cell, bytes: cell.length, cut: false }
  if (typeof cell !== 'object' || cell === null) return { cell, bytes: 8, cut: false }
  // Parsed JSON (PostgreSQL json/jsonb): measured as its text, cut as text when too big.
  const text = JSON.stringify(cell)
  if (text.length > cap) return { cell: text.slice(0, cap) + '…', bytes: cap + 1, cut: true }
  return { cell, bytes: text.length, cut: false }
}
