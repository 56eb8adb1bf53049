/**
 * What may go into a log line from a client: session ids only as a short
 * digest (an id in a log is a credential in the wrong hands, yet operators
 * need to follow one session across lines), and client-supplied strings cut
 * to a length that keeps one hostile request from writing megabytes of log.
 */
import { createHash } from 'node:crypto'

/** The longest client-supplied string written to a log line. */
export const MAX_LOGGED_CHARS = 200

/** A stable, non-reversible reference to a session for logs: `s:` and 12 hex digits of its SHA-256. */
export function sessionRef (id: string): string {
  return `s:${createHash('sha256').update(id).digest('hex').slice(0, 12)}`
}

/** A client-supplied value as it may be logged: strings cut with a note of their length; objects as cut JSON. */
export function clip (value: unknown, max = MAX_LOGGED_CHARS): string | undefined {
  if (value === undefined) return undefined
  let text: string
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)
  } catch {
    // Nested deeper than JSON.stringify's stack allows (JSON.parse takes any depth).
    return '(a value nested too deep to log)'
  }
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`
}

/**
 * A warning that a flood would repeat (refusals under load): written at most
 * once per interval, with the number of occurrences it stands for.
 */
export class RateLimitedWarning {
  readonly #intervalMs: number
  #lastAt = -Infinity
  #suppressed = 0

  constructor (intervalMs = 10_000) {
    this.#intervalMs = intervalMs
  }

  warn (logger: { warn (object: object, message: string): void }, fields: Record<string, unknown>, message: string): void {
    const now = Date.now()
    if (now - this.#lastAt < this.#intervalMs) {
      this.#suppressed++
      return
    }
    logger.warn({ ...fields, alsoSince: this.#suppressed }, message)
    this.#lastAt = now
    this.#suppressed = 0
  }
}
