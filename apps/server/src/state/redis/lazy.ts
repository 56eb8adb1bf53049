/**
 * The public `createRedisState`: the Redis stores and ioredis are imported on
 * first use, so a process that keeps its state in memory never loads them
 * (they cost a noticeable part of start-up). A platform `state` factory may
 * return a promise, so `state: (limits) => createRedisState(limits, { url })`
 * works as before.
 */
import type { Limits } from '../../config/schema.ts'
import type { SharedState } from '../index.ts'
import type { RedisStateOptions } from './index.ts'

export type { RedisStateOptions }

export async function createRedisState (limits: Limits, options: RedisStateOptions): Promise<SharedState> {
  const redis = await import('./index.ts')
  return redis.createRedisState(limits, options)
}
