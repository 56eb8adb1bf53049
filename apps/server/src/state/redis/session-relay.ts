/**
 * The session relay over Redis pub/sub: a relayed message reaches every
 * instance, and the one that waits for it (at most one does) takes it.
 */
import type { RelayedMessage, SessionRelay } from '../session-relay.ts'
import type { RedisConnections } from './connection.ts'

export class RedisSessionRelay implements SessionRelay {
  readonly #redis: RedisConnections
  readonly #channel: string
  readonly #unlisteners = new Set<() => void>()

  constructor (redis: RedisConnections, prefix: string) {
    this.#redis = redis
    this.#channel = `${prefix}relay`
  }

  send (message: RelayedMessage): void {
    this.#redis.publish(this.#channel, JSON.stringify(message))
  }

  listen (listener: (message: RelayedMessage) => void): () => void {
    const unlisten = this.#redis.listen(this.#channel, (raw) => {
      let message: RelayedMessage
      try {
        message = JSON.parse(raw) as RelayedMessage
      } catch {
        return
      }
      if (typeof message?.to === 'string' && typeof message.message === 'object' && message.message !== null) listener(message)
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
