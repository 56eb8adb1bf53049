/**
 * Rate-limit counters in Redis, so a limit holds across every instance: a
 * @fastify/rate-limit store class (its `incr`/`child` interface) with the
 * same fixed one-minute windows as the in-memory default. One round trip
 * per counted request (INCR, then the window's expiry on its first count).
 * Redis unreachable: the request is let through (a limiter must not take the
 * service down with it) and the error is reported to @fastify/rate-limit.
 */
import type { RedisConnections } from './connection.ts'
import { defineScript } from './connection.ts'

const INCR = `
local count = redis.call('INCR', KEYS_KEY)
if count == 1 then redis.call('PEXPIRE', KEYS_KEY, ARGV[2]) end
return { count, redis.call('PTTL', KEYS_KEY) }
`.replaceAll('KEYS_KEY', 'ARGV[1]')

export interface RateLimitStoreLike {
  incr (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number, max: number): void
  child (routeOptions: Record<string, unknown>): unknown
}

/** A store class over these connections (the platform's `rateLimitStore`). */
export function redisRateLimitStore (redis: RedisConnections, prefix: string): new (options: Record<string, unknown>) => RateLimitStoreLike {
  const incr = defineScript(redis.command, 'mcpRateLimitIncr', INCR)
  return class RedisRateLimitStore implements RateLimitStoreLike {
    readonly #prefix: string

    constructor (_options: Record<string, unknown> = {}, childPrefix = '') {
      this.#prefix = `${prefix}rate:${childPrefix}`
    }

    incr (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number): void {
      incr(this.#prefix + key, timeWindow).then((result) => {
        const [current, ttl] = result as [number, number]
        callback(null, { current, ttl: ttl < 0 ? timeWindow : ttl })
      }, () => { callback(null, { current: 0, ttl: timeWindow }) })
    }

    child (routeOptions: Record<string, unknown>): RedisRateLimitStore {
      const route = routeOptions.routeInfo as { method?: unknown, url?: unknown } | undefined
      return new RedisRateLimitStore({}, `${String(route?.method ?? '')}${String(route?.url ?? 'route')}:`)
    }
  }
}
