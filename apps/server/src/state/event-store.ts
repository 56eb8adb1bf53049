/**
 * Legacy-era SSE resumability: every event sent on a resumable stream is kept
 * for a while, so a client that reconnects with `Last-Event-ID` gets what it
 * missed. (The modern era dropped resumability: a broken stream loses its
 * request and the client retries.)
 */
export interface StoredEvent {
  id: string
  message: unknown
}

export interface EventStore {
  /** Stores a message on a stream and returns its event id. */
  append (streamId: string, message: unknown): Promise<string>
  /** The stream an event id belongs to and the events after it; undefined if unknown or expired. */
  after (eventId: string): Promise<{ streamId: string, events: StoredEvent[] } | undefined>
  /** Forget a stream (its request finished and the client has everything, or its session ended). */
  drop (streamId: string): Promise<void>
  close (): Promise<void>
}

export interface MemoryEventStoreOptions {
  /** Events kept per stream; older ones are dropped first. */
  maxEventsPerStream: number
  /** A stream untouched for this long is forgotten. */
  ttlMs: number
}

interface Stream { events: StoredEvent[], next: number, touched: number }

export class MemoryEventStore implements EventStore {
  readonly #streams = new Map<string, Stream>()
  readonly #options: MemoryEventStoreOptions
  readonly #sweeper: NodeJS.Timeout

  constructor (options: MemoryEventStoreOptions) {
    this.#options = options
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(1000, Math.min(60_000, options.ttlMs))).unref()
  }

  async append (streamId: string, message: unknown): Promise<string> {
    let stream = this.#streams.get(streamId)
    if (stream === undefined) {
      stream = { events: [], next: 1, touched: Date.now() }
      this.#streams.set(streamId, stream)
    }
    const id = `${streamId}.${stream.next++}`
    stream.events.push({ id, message })
    if (stream.events.length > this.#options.maxEventsPerStream) stream.events.shift()
    stream.touched = Date.now()
    return id
  }

  async after (eventId: string): Promise<{ streamId: string, events: StoredEvent[] } | undefined> {
    const dot = eventId.lastIndexOf('.')
    if (dot <= 0) return undefined
    const streamId = eventId.slice(0, dot)
    const seq = Number(eventId.slice(dot + 1))
    const stream = this.#streams.get(streamId)
    if (stream === undefined || !Number.isInteger(seq)) return undefined
    stream.touched = Date.now()
    return { streamId, events: stream.events.filter((event) => Number(event.id.slice(dot + 1)) > seq) }
  }

  async drop (streamId: string): Promise<void> {
    this.#streams.delete(streamId)
  }

  async close (): Promise<void> {
    clearInterval(this.#sweeper)
    this.#streams.clear()
  }

  #sweep (): void {
    const oldest = Date.now() - this.#options.ttlMs
    for (const [id, stream] of this.#streams) {
      if (stream.touched < oldest) this.#streams.delete(id)
    }
  }
}
