/**
 * JSON text to a message, for both transports. A `__proto__` key, or a
 * `constructor` key holding a `prototype`, is valid JSON: it is not a parse
 * error. Such keys are dropped while parsing (so nothing downstream can read
 * through or assign to a prototype) and reported, so the transport refuses
 * the message as invalid params naming the key.
 */
export interface ParsedMessage {
  value: unknown
  /** The first forbidden key found, if any (already removed from `value`). */
  forbiddenKey: string | undefined
}

/** Cheap pre-check: text without these substrings (or escapes, which could spell them) cannot hold the keys. */
const SUSPECT = /__proto__|constructor|\\u/

/** Parses JSON text; throws SyntaxError when it is not JSON. */
export function parseJsonMessage (text: string): ParsedMessage {
  if (!SUSPECT.test(text)) return { value: JSON.parse(text), forbiddenKey: undefined }
  let forbiddenKey: string | undefined
  const value: unknown = JSON.parse(text, function reviver (key: string, item: unknown) {
    if (key === '__proto__' || (key === 'constructor' && item !== null && typeof item === 'object' && Object.hasOwn(item, 'prototype'))) {
      forbiddenKey ??= key === '__proto__' ? '__proto__' : 'constructor.prototype'
      // Returning undefined deletes the key from its holder.
      return undefined
    }
    return item
  })
  return { value, forbiddenKey }
}

/** The id to answer a refused message with: a request's id; null for anything else (a client's response, a notification). */
export function requestIdOf (value: unknown): string | number | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
  const { id, method } = value as Record<string, unknown>
  if (typeof method !== 'string') return null
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : null
}
