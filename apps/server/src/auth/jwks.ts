/**
 * The identity provider's signing keys, from its JWKS URL (get-jwks fetches
 * them and caches them by key id; node:crypto turns them into PEM). What get-jwks does not
 * do is added here: a token naming a key id the cache does not hold refetches
 * the set at most once per `refreshMinIntervalMs`, so a flood of made-up key
 * ids cannot turn into a flood of requests to the provider; after a rotation
 * the first token with the new key id fetches the new set.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import buildGetJwks from 'get-jwks'

const pems = new WeakMap<object, string>()

/** The PEM of a JWK, converted once per fetched key. */
function pem (jwk: object): string {
  let value = pems.get(jwk)
  if (value === undefined) {
    const { domain: _, ...key } = jwk as Record<string, unknown>
    value = createPublicKey({ key: key as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
    pems.set(jwk, value)
  }
  return value
}

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
        const jwk = await getJwks.getJwk({ domain, alg, kid })
        // node:crypto reads every key type the algorithms need (jwk-to-pem, get-jwks' own converter, lacks Ed25519).
        return pem(jwk)
      } catch (error) {
        throw new UnknownKey(`no signing key for the token's key id: ${(error as Error).message}`)
      }
    }
  }
}
