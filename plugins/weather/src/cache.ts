/**
 * A small TTL cache with least-recently-used eviction. A `Map` keeps insertion
 * order, so re-inserting on every hit makes its first key the least recently
 * used one: eviction is O(1) without a linked list.
 */
export interface TtlCacheOptions {
  /** Most entries kept; the least recently used one goes first. */
  maxEntries: number
  /** Injected in tests; defaults to `Date.now`. */
  now?: () => number
}

interface Entry<V> { value: V, expiresAt: number }

export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor (options: TtlCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) {
      throw new RangeError(`maxEntries must be a non-negative integer, got ${options.maxEntries}`)
    }
    this.#maxEntries = options.maxEntries
    this.#now = options.now ?? Date.now
  }

  get size (): number {
    return this.#entries.size
  }

  get (key: string): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    this.#entries.delete(key)
    // Expired entries are dropped lazily, on the read that finds them.
    if (entry.expiresAt <= this.#now()) return undefined
    this.#entries.set(key, entry)
    return entry.value
  }

  set (key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0 || this.#maxEntries === 0) return
    this.#entries.delete(key)
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs })
    // Deleting while iterating a Map is safe; keys come oldest first.
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break
      this.#entries.delete(oldest)
    }
  }

  clear (): void {
    this.#entries.clear()
  }
}
