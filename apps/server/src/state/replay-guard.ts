/**
 * Single use of MRTR `requestState`: each state the server issues carries an
 * id, and a retry claims it. A second claim of the same id (a replay) fails,
 * on any instance that shares this guard. Ids are forgotten once their state
 * has expired, so the guard holds at most what was issued within one TTL.
 */
export interface ReplayGuard {
  /** True the first time `id` is claimed before `expiresAt`; false for a replay (or when the guard is full). */
  claim (id: string, expiresAt: number): Promise<boolean>
  close (): Promise<void>
}

export interface MemoryReplayGuardOptions {
  /** Ids held at most; when full of unexpired ids, claims fail (a replay is never let through). */
  maxEntries: number
}

export class MemoryReplayGuard implements ReplayGuard {
  readonly #claimed = new Map<string, number>()
  readonly #maxEntries: number

  constructor (options: MemoryReplayGuardOptions) {
    this.#maxEntries = options.maxEntries
  }

  async claim (id: string, expiresAt: number): Promise<boolean> {
    const now = Date.now()
    const seen = this.#claimed.get(id)
    if (seen !== undefined && seen >= now) return false
    if (this.#claimed.size >= this.#maxEntries) this.#forgetExpired(now)
    if (this.#claimed.size >= this.#maxEntries) return false
    this.#claimed.set(id, expiresAt)
    return true
  }

  /** Insertion order is claim order, and every state lives the same TTL: the oldest expire first. */
  #forgetExpired (now: number): void {
    for (const [id, expiresAt] of this.#claimed) {
      if (expiresAt >= now) break
      this.#claimed.delete(id)
    }
  }

  async close (): Promise<void> {
    this.#claimed.clear()
  }
}
