/**
 * Change events through Redis pub/sub: what any instance publishes, every
 * instance (itself included) hears and delivers to the clients connected to
 * it. Pub/sub delivers at most once: an instance cut off from Redis misses
 * what was published meanwhile (a list change it missed shows on the next
 * list; the spec makes no stronger promise for notifications).
 */
import type { ChangeEvent, EventBus } from '../event-bus.ts'
import type { RedisConnections } from './connection.ts'

export class RedisEventBus implements EventBus {
  readonly #redis: RedisConnections
  readonly #channel: string
  readonly #unlisteners = new Set<() => void>()

  constructor (redis: RedisConnections, prefix: string) {
    this.#redis = redis
    this.#channel = `${prefix}changes`
  }

  publish (event: ChangeEvent): void {
    this.#redis.publish(this.#channel, JSON.stringify(event))
  }

  subscribe (listener: (event: ChangeEvent) => void): () => void {
    const unlisten = this.#redis.listen(this.#channel, (message) => {
      let event: ChangeEvent
      try {
        event = JSON.parse(message) as ChangeEvent
      } catch {
        return // not one of ours
      }
      listener(event)
    })
    this.#unlisteners.add(unlisten)
    return () => {
      unlisten()
      this.#unlisteners.delete(unlisten)
    }
  }

  async close (): Promise<void> {
    for (const unlisten of this.#unlisteners) unlisten()
    this.#unlisteners.clear()
  }
}
