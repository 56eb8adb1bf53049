/**
 * Legacy SSE resumability in Redis Streams: each resumable stream is a Redis
 * stream capped in length and in time, so a client that reconnects with
 * `Last-Event-ID` to any instance gets what it missed. The event id a client
 * sees is `<streamId>.<Redis entry id>`.
 */
import type { EventStore, StoredEvent } from '../event-store.ts'
import type { RedisConnections } from './connection.ts'

export interface RedisEventStoreOptions {
  prefix: string
  /** Events kept per stream (approximately: Redis trims in whole nodes); older ones go first. */
  maxEventsPerStream: number
  /** A stream untouched for this long is forgotten. */
  ttlMs: number
}

export class RedisEventStore implements EventStore {
  readonly #redis: RedisConnections
  readonly #options: RedisEventStoreOptions

  constructor (redis: RedisConnections, options: RedisEventStoreOptions) {
    this.#redis = redis
    this.#options = options
  }

  #key (streamId: string): string {
    return `${this.#options.prefix}events:${streamId}`
  }

  async append (streamId: string, message: unknown): Promise<string> {
    const key = this.#key(streamId)
    const results = await this.#redis.command.multi()
      .xadd(key, 'MAXLEN', '~', this.#options.maxEventsPerStream, '*', 'm', JSON.stringify(message))
      .pexpire(key, this.#options.ttlMs)
      .exec()
    const [error, entryId] = results?.[0] ?? [new Error('the event was not stored (transaction aborted)'), undefined]
    if (error !== null) throw error
    return `${streamId}.${entryId as string}`
  }

  async after (eventId: string): Promise<{ streamId: string, events: StoredEvent[] } | undefined> {
    const dot = eventId.lastIndexOf('.')
    if (dot <= 0) return undefined
    const streamId = eventId.slice(0, dot)
    const entryId = eventId.slice(dot + 1)
    if (!/^\d+-\d+$/.test(entryId)) return undefined
    const key = this.#key(streamId)
    const [[, exists], [, entries]] = await this.#redis.command.multi()
      .exists(key)
      .xrange(key, `(${entryId}`, '+')
      .pexpire(key, this.#options.ttlMs)
      .exec() as [[Error | null, number], [Error | null, Array<[string, string[]]>]]
    if (exists !== 1) return undefined
    return {
      streamId,
      events: entries.map(([id, fields]) => ({ id: `${streamId}.${id}`, message: JSON.parse(fields[1]) }))
    }
  }

  async drop (streamId: string): Promise<void> {
    await this.#redis.command.del(this.#key(streamId))
  }

  async close (): Promise<void> {}
}
