/**
 * The identity provider's signing keys, from its JWKS URL (get-jwks fetches
 * and converts them to PEM and caches them by key id). What get-jwks does not
 * do is added here: a token naming a key id the cache does not hold refetches
 * the set at most once per `refreshMinIntervalMs`, so a flood of made-up key
 * ids cannot turn into a flood of requests to the provider; after a rotation
 * the first token with the new key id fetches the new set.
 */
import buildGetJwks from 'get-jwks'

export interface KeySourceOptions {
  jwksUrl: string
  refreshMinIntervalMs: number
  /** How long a fetched key is used before the set is fetched again. */
  cacheTtlMs?: number
}

/** Why no key could be found; the message is safe to show to the caller. */
export class UnknownKey extends Error {}

export interface KeySource {
  /** The PEM public key for a token's header (`kid`, `alg`); rejects with UnknownKey. */
  keyFor (header: { kid?: unknown, alg?: unknown }): Promise<string>
  /** Fetches of the JWKS so far (tests). */
  readonly fetches: number
}

export function createKeySource (options: KeySourceOptions): KeySource {
  const url = new URL(options.jwksUrl)
  const domain = url.origin
  const jwksPath = `${url.pathname}${url.search}`
  const getJwks = buildGetJwks({ jwksPath, ttl: options.cacheTtlMs ?? 600_000, max: 100 })
  let lastMissAt = -Infinity
  let fetches = 0
  return {
    get fetches () { return fetches },
    async keyFor (header) {
      const { kid, alg } = header
      if (typeof kid !== 'string' || kid === '') throw new UnknownKey('the token header has no "kid" naming its signing key')
      if (typeof alg !== 'string') throw new UnknownKey('the token header has no "alg"')
      const cacheKey = getJwks.generateCacheKey(alg, kid, `${domain}/`)
      if (!(getJwks.cache as unknown as { has: (key: string) => boolean }).has(cacheKey)) {
        const now = Date.now()
        if (now - lastMissAt < options.refreshMinIntervalMs) {
          throw new UnknownKey(`the token's key id is not one of the identity provider's current keys (they were refreshed less than ${Math.round(options.refreshMinIntervalMs / 1000)} s ago)`)
        }
        lastMissAt = now
        fetches++
      }
      try {
        return await getJwks.getPublicKey({ domain, alg, kid })
      } catch (error) {
        throw new UnknownKey(`no signing key for the token's key id: ${(error as Error).message}`)
      }
    }
  }
}
