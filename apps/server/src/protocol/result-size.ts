/**
 * The size of a result as JSON, measured without serializing it: strings by
 * their UTF-8 length, structure by its punctuation. It stops counting once
 * past `limit`, so an oversized result costs no more than the budget.
 */
export function jsonSize (value: unknown, limit: number): number {
  let size = 0
  const stack: unknown[] = [value]
  while (stack.length > 0 && size <= limit) {
    const item = stack.pop()
    if (typeof item === 'string') size += Buffer.byteLength(item) + 2
    else if (typeof item === 'number' || typeof item === 'boolean') size += 8
    else if (item === null || item === undefined) size += 4
    else if (Array.isArray(item)) {
      size += 2 + item.length
      for (const element of item) stack.push(element)
    } else if (typeof item === 'object') {
      for (const key in item) {
        size += Buffer.byteLength(key) + 4
        stack.push((item as Record<string, unknown>)[key])
      }
      size += 2
    }
  }
  return size
}

/** `text` cut so its UTF-8 length is at most `bytes` (never inside a character). */
export function cutText (text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text
  const cut = Buffer.from(text).subarray(0, Math.max(0, bytes)).toString()
  // A character split by the cut decodes as U+FFFD: drop it.
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut
}
