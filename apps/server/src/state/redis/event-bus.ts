/**
 * Change events through Redis pub/sub: what any instance publishes, every
 * instance (itself included) hears and delivers to the clients connected to
 * it. Pub/sub delivers at most once: an instance cut off from Redis misses
 * what was published meanwhile (a list change it missed shows on the next
 * list; the spec makes no stronger promise for notifications).
 */
import type { ChangeEvent, EventBus } from '../event-bus.ts'
import type { RedisConnections } from './connection.ts'
import { JsonChannel } from './json-channel.ts'

const isChangeEvent = (value: unknown): value is ChangeEvent => typeof (value as ChangeEvent | null)?.type === 'string'

export class RedisEventBus implements EventBus {
  readonly #channel: JsonChannel<ChangeEvent>

  constructor (redis: RedisConnections, prefix: string) {
    this.#channel = new JsonChannel(redis, `${prefix}changes`, isChangeEvent)
  }

  publish (event: ChangeEvent): void {
    this.#channel.publish(event)
  }

  subscribe (listener: (event: ChangeEvent) => void): () => void {
    return this.#channel.subscribe(listener)
  }

  async close (): Promise<void> {
    this.#channel.close()
  }
}
