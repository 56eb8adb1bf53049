/**
 * A Redis pub/sub channel carrying JSON values: what any instance publishes,
 * every instance (itself included) hears. Messages that do not parse, or that
 * `accept` turns down, are dropped (a channel's name is no guarantee that
 * only this server writes to it). Delivery is at most once.
 */
import type { RedisConnections } from './connection.ts'

export class JsonChannel<T> {
  readonly #redis: RedisConnections
  readonly #name: string
  readonly #accept: (value: unknown) => value is T
  readonly #unlisteners = new Set<() => void>()

  constructor (redis: RedisConnections, name: string, accept: (value: unknown) => value is T) {
    this.#redis = redis
    this.#name = name
    this.#accept = accept
  }

  publish (value: T): void {
    this.#redis.publish(this.#name, JSON.stringify(value))
  }

  subscribe (listener: (value: T) => void): () => void {
    const unlisten = this.#redis.listen(this.#name, (raw) => {
      let value: unknown
      try {
        value = JSON.parse(raw)
      } catch {
        return
      }
      if (this.#accept(value)) listener(value)
    })
    this.#unlisteners.add(unlisten)
    return () => {
      unlisten()
      this.#unlisteners.delete(unlisten)
    }
  }

  close (): void {
    for (const unlisten of this.#unlisteners) unlisten()
    this.#unlisteners.clear()
  }
}
