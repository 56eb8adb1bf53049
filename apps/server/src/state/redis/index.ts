/**
 * The shared state in Redis, for several instances behind one endpoint:
 * chosen by `REDIS_URL` (or the platform's `state` option). Every store
 * shares one command connection and one subscriber.
 */
import type { Limits } from '../../config/schema.ts'
import type { SharedState } from '../index.ts'
import { connectRedis } from './connection.ts'
import { RedisEventBus } from './event-bus.ts'
import { RedisEventStore } from './event-store.ts'
import { RedisReplayGuard } from './replay-guard.ts'
import { RedisSessionRelay } from './session-relay.ts'
import { RedisSessionStore } from './session-store.ts'
import { RedisTaskStore } from './task-store.ts'
import { redisRateLimitStore } from './rate-limit-store.ts'

export interface RedisStateOptions {
  url: string
  /** Key and channel prefix (default `mcp:`): deployments sharing one Redis keep apart. */
  prefix?: string
  onError?: (error: Error) => void
}

export function createRedisState (limits: Limits, options: RedisStateOptions): SharedState {
  const prefix = options.prefix ?? 'mcp:'
  const errorListeners: Array<(error: Error) => void> = []
  const redis = connectRedis({
    url: options.url,
    onError: (error) => {
      options.onError?.(error)
      for (const listener of errorListeners) listener(error)
    }
  })
  const sessions = new RedisSessionStore(redis, {
    prefix,
    idleTimeoutMs: limits.sessionIdleMs,
    maxSessions: limits.maxSessions,
    maxSessionsPerClient: limits.maxSessionsPerClient,
    unconfirmedIdleMs: limits.sessionUnconfirmedIdleMs
  })
  const events = new RedisEventBus(redis, prefix)
  // As in memory: a resumable stream keeps its last 1000 events for 5 minutes.
  const streams = new RedisEventStore(redis, { prefix, maxEventsPerStream: 1000, ttlMs: 5 * 60_000 })
  const requestStates = new RedisReplayGuard(redis, prefix)
  const relay = new RedisSessionRelay(redis, prefix)
  const tasks = new RedisTaskStore(redis, { prefix, maxTasks: limits.maxTasks, maxTasksPerClient: limits.maxTasksPerClient })
  return {
    sessions,
    events,
    streams,
    requestStates,
    relay,
    tasks,
    rateLimitStore: redisRateLimitStore(redis, prefix),
    onError (listener) {
      errorListeners.push(listener)
    },
    async ping () {
      await redis.command.ping()
    },
    async close () {
      await sessions.close()
      await events.close()
      await relay.close()
      await tasks.close()
      await redis.close()
    }
  }
}
