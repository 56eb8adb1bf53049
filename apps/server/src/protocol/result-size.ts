/**
 * The size of a result as JSON, measured without serializing it: strings by
 * their UTF-8 length, structure by its punctuation. It stops counting once
 * past `limit`, so an oversized result costs no more than the budget.
 */
export function jsonSize (value: unknown, limit: number): number {
  return measure(value, limit, true)
}

/**
 * Whether a result is within `limit` as `jsonSize` counts it. Every result of
 * every call is checked, and most are far below the limit: a first pass
 * counts each string at 3 bytes per UTF-16 unit (the most UTF-8 needs) and
 * so never encodes; only a result that might be over is counted exactly.
 */
export function fitsJson (value: unknown, limit: number): boolean {
  return measure(value, limit, false) <= limit || measure(value, limit, true) <= limit
}

/** A value JSON cannot carry (JSON.stringify throws on it): found while measuring, so the tool is named, not the transport. */
export class NotJson extends Error {}

function notJson (what: string): NotJson {
  release()
  return new NotJson(what)
}

/**
 * One walk's stack, reused by every call (it never awaits, so nothing else
 * uses it meanwhile). Its storage is kept for the next call (setting
 * `length = 0` gives it up, and every call would allocate it again) unless a
 * large result made it long. `top` counts what is on it; what is popped is
 * cleared, so no result stays reachable.
 */
const stack: unknown[] = []
let top = 0
const KEPT_SLOTS = 1024

function release (): void {
  if (stack.length > KEPT_SLOTS) {
    stack.length = 0
    top = 0
    return
  }
  while (top > 0) stack[--top] = undefined
}

function measure (value: unknown, limit: number, exact: boolean): number {
  let size = 0
  top = 0
  stack[top++] = value
  while (top > 0 && size <= limit) {
    const item = stack[--top]
    stack[top] = undefined
    if (typeof item === 'string') size += (exact ? Buffer.byteLength(item) : 3 * item.length) + 2
    else if (typeof item === 'number' || typeof item === 'boolean') size += 8
    else if (item === null || item === undefined) size += 4
    else if (typeof item === 'bigint') throw notJson('a BigInt, which JSON cannot carry (return it as a number or a string)')
    else if (Array.isArray(item)) {
      size += 2 + item.length
      for (const element of item) stack[top++] = element
    } else if (typeof item === 'object') {
      for (const key in item) {
        size += (exact ? Buffer.byteLength(key) : 3 * key.length) + 4
        stack[top++] = (item as Record<string, unknown>)[key]
      }
      size += 2
    }
  }
  // Whatever a walk stopped past the limit left on the stack is dropped (a large result would otherwise stay reachable).
  release()
  return size
}

/** `text` cut so its UTF-8 length is at most `bytes` (never inside a character). */
export function cutText (text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text
  const cut = Buffer.from(text).subarray(0, Math.max(0, bytes)).toString()
  // A character split by the cut decodes as U+FFFD: drop it.
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut
}
