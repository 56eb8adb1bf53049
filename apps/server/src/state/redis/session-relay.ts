/**
 * The session relay over Redis pub/sub: a relayed message reaches every
 * instance, and the one that waits for it (at most one does) takes it.
 */
import type { RelayedMessage, SessionRelay } from '../session-relay.ts'
import type { RedisConnections } from './connection.ts'
import { JsonChannel } from './json-channel.ts'

const isRelayed = (value: unknown): value is RelayedMessage => {
  const message = value as RelayedMessage | null
  return typeof message?.to === 'string' && typeof message.message === 'object' && message.message !== null
}

export class RedisSessionRelay implements SessionRelay {
  readonly #channel: JsonChannel<RelayedMessage>

  constructor (redis: RedisConnections, prefix: string) {
    this.#channel = new JsonChannel(redis, `${prefix}relay`, isRelayed)
  }

  send (message: RelayedMessage): void {
    this.#channel.publish(message)
  }

  listen (listener: (message: RelayedMessage) => void): () => void {
    return this.#channel.subscribe(listener)
  }

  async close (): Promise<void> {
    this.#channel.close()
  }
}
