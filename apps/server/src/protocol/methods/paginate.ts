/**
 * Cursor pagination for the list methods. A cursor names the last item of
 * the previous page (base64url), so pages stay stable while items are added
 * or removed elsewhere in the list.
 */
import { invalidCursor } from '../errors.ts'

export function paginate<T> (
  items: readonly T[],
  cursor: unknown,
  pageSize: number,
  key: (item: T) => string
): { page: T[], nextCursor: string | undefined } {
  let start = 0
  if (cursor !== undefined) {
    if (typeof cursor !== 'string') throw invalidCursor()
    const after = Buffer.from(cursor, 'base64url').toString()
    if (Buffer.from(after).toString('base64url') !== cursor) throw invalidCursor()
    start = items.findIndex((item) => key(item) > after)
    if (start === -1) start = items.length
  }
  const page = start === 0 && items.length <= pageSize ? items as T[] : items.slice(start, start + pageSize)
  const last = start + page.length < items.length ? page[page.length - 1] : undefined
  return { page, nextCursor: last === undefined ? undefined : Buffer.from(key(last)).toString('base64url') }
}
