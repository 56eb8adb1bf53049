/**
 * How soon a stopped SQLite process may be replaced: a burst of `burst`
 * restarts at once, then one per `intervalMs` (a token bucket), so a client
 * that keeps cancelling slow queries cannot keep the CPU busy starting
 * processes. A slot waiting for its restart is simply not free yet: calls
 * queue, and are refused quickly when the queue is full.
 */
export class RestartThrottle {
  readonly #burst: number
  readonly #intervalMs: number
  #tokens: number
  #last = Date.now()

  constructor (burst: number, intervalMs: number) {
    this.#burst = burst
    this.#intervalMs = intervalMs
    this.#tokens = burst
  }

  /** Takes a restart; returns how many ms to wait before it. */
  take (): number {
    const now = Date.now()
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) / this.#intervalMs)
    this.#last = now
    this.#tokens -= 1
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens * this.#intervalMs)
  }
}
