/**
 * Rate limits with @fastify/rate-limit: one per remote address, counted
 * before the token is checked (so guessing tokens costs the guesser), and one
 * per principal after it. Counters live in the store @fastify/rate-limit is
 * given: its in-memory one by default, any class with its store interface
 * (`incr`, `child`) otherwise, e.g. a Redis-backed one for several instances.
 * WebSocket messages count against the same per-principal limit.
 */
import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { rateLimited, type ProtocolError } from '../protocol/errors.ts'
import { RateLimitedWarning } from '../protocol/log-values.ts'

/** A @fastify/rate-limit store class (see its `store` option). */
export type RateLimitStoreClass = new (options: Record<string, unknown>) => {
  incr (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number, max: number): void
  child (routeOptions: Record<string, unknown>): unknown
}

export interface RateLimits {
  perMinute: number
  ipPerMinute: number
  store: RateLimitStoreClass | undefined
}

/** Answers whether a request may go on: undefined, or the error to answer with (429). */
export type Limiter = (request: FastifyRequest) => Promise<ProtocolError | undefined>

const MINUTE = 60_000

/**
 * The default store: fixed one-minute windows in memory, per instance. Not
 * @fastify/rate-limit's own LocalStore, which hands every caller the same
 * mutable counter object: requests counted in one tick (WebSocket messages
 * that arrive together) would all read the last count and all be refused.
 */
export class MemoryRateLimitStore {
  readonly #windows = new Map<string, { count: number, resetAt: number }>()
  #sweepAt = 0

  incr (key: string, callback: (error: Error | null, result: { current: number, ttl: number }) => void, timeWindow: number): void {
    const now = Date.now()
    if (now >= this.#sweepAt) {
      // Expired windows are dropped at most once per window, so memory follows the active keys.
      for (const [name, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(name)
      this.#sweepAt = now + timeWindow
    }
    let window = this.#windows.get(key)
    if (window === undefined || window.resetAt <= now) {
      window = { count: 0, resetAt: now + timeWindow }
      this.#windows.set(key, window)
    }
    window.count++
    callback(null, { current: window.count, ttl: window.resetAt - now })
  }

  child (): MemoryRateLimitStore {
    return new MemoryRateLimitStore()
  }
}

export async function createLimiters (scope: FastifyInstance, limits: RateLimits): Promise<{ byAddress: Limiter | undefined, byPrincipal: Limiter | undefined }> {
  if (limits.perMinute === 0 && limits.ipPerMinute === 0) return { byAddress: undefined, byPrincipal: undefined }
  await scope.register(fastifyRateLimit, { global: false, store: (limits.store ?? MemoryRateLimitStore) as never })
  const limiter = (max: number, key: (request: FastifyRequest) => string, per: string): Limiter | undefined => {
    if (max === 0) return undefined
    const check = scope.createRateLimit({ max, timeWindow: MINUTE, keyGenerator: key })
    // A caller over its limit sends many refused requests: one warning per 10 s tells how many.
    const refusals = new RateLimitedWarning()
    return async (request) => {
      const status = await check(request)
      if (status.isAllowed || !status.isExceeded) return undefined
      refusals.warn(request.log, { per, perMinute: max, retryAfterMs: status.ttl }, `request refused: rate limit per ${per} reached (429)`)
      return rateLimited(max, status.ttl)
    }
  }
  return {
    byAddress: limiter(limits.ipPerMinute, (request) => `ip:${request.ip}`, 'address'),
    byPrincipal: limiter(limits.perMinute, (request) => `principal:${request.mcpPrincipal?.id ?? request.ip}`, 'principal')
  }
}
