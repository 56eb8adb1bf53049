/**
 * Single use of MRTR `requestState` across instances: a claim is a `SET NX`
 * that lives as long as the state it guards, so a replay on any instance
 * finds the id taken.
 */
import type { ReplayGuard } from '../replay-guard.ts'
import type { RedisConnections } from './connection.ts'

export class RedisReplayGuard implements ReplayGuard {
  readonly #redis: RedisConnections
  readonly #prefix: string

  constructor (redis: RedisConnections, prefix: string) {
    this.#redis = redis
    this.#prefix = `${prefix}claimed:`
  }

  async claim (id: string, expiresAt: number): Promise<boolean> {
    const ttl = expiresAt - Date.now()
    if (ttl <= 0) return false
    return await this.#redis.command.set(this.#prefix + id, '1', 'PX', ttl, 'NX') === 'OK'
  }

  async close (): Promise<void> {}
}
