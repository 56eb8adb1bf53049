/**
 * Bearer JWTs through @fastify/jwt (fast-jwt): HS256 with a shared secret, or
 * RS256/ES256/EdDSA with the identity provider's keys (JWKS). The algorithm
 * list is fixed by the mode, so `alg: none` and HS/RS confusion (a token
 * "signed" with the public key as an HMAC secret) never verify. Beyond the
 * signature: `iss` and `aud` (RFC 8707: this server's resource URL) are
 * checked, `exp` is required and may not lie further ahead than the maximum
 * lifetime, and `nbf`/`iat` in the future are refused (a small skew allowed).
 */
import fastifyJwt from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Principal } from '../registry/types.ts'
import { createKeySource, type KeySource } from './jwks.ts'
import { scopesOf } from './scopes.ts'
import { InvalidToken } from './invalid-token.ts'

export interface JwtSettings {
  jwtSecret?: string
  jwksUrl?: string
  issuer?: string
  audience: string
  maxTokenLifetimeSeconds: number
  clockSkewSeconds: number
  jwksRefreshMinIntervalMs: number
}

/** A token that does not verify; `message` says why (never the token). */
export { InvalidToken }

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA']

/** Where the authenticate hook leaves the token it found, for @fastify/jwt's `extractToken`. */
export const kToken = Symbol('mcp.bearerToken')

export interface JwtVerifier {
  verify (request: FastifyRequest, token: string): Promise<Principal>
  readonly keys: KeySource | undefined
}

/**
 * Registers @fastify/jwt on `scope` under a namespace of its own, so that a host app's own @fastify/jwt (whose
 * `jwt` decorator the scope inherits) and the platform's other scope never collide.
 */
export async function createJwtVerifier (scope: FastifyInstance, settings: JwtSettings, namespace: string): Promise<JwtVerifier> {
  const keys = settings.jwksUrl !== undefined
    ? createKeySource({ jwksUrl: settings.jwksUrl, refreshMinIntervalMs: settings.jwksRefreshMinIntervalMs })
    : undefined
  const skewMs = settings.clockSkewSeconds * 1000
  await scope.register(fastifyJwt, {
    namespace,
    decoratorName: `${namespace}JwtClaims`,
    secret: keys === undefined
      ? settings.jwtSecret!
      : async (_request: FastifyRequest, token: { header: { kid?: unknown, alg?: unknown } }) => await keys.keyFor(token.header),
    decode: { complete: true },
    // fast-jwt's reason (bad signature, expired, claim not allowed), never the token itself.
    messages: { authorizationTokenInvalid: (error: Error) => error.message },
    verify: {
      algorithms: keys === undefined ? ['HS256'] : ASYMMETRIC_ALGORITHMS,
      allowedAud: settings.audience,
      ...(settings.issuer !== undefined ? { allowedIss: settings.issuer } : {}),
      requiredClaims: ['exp'],
      clockTolerance: skewMs,
      // The payload, not { header, payload } (decode.complete is only for the key lookup).
      complete: false,
      // An agent sends the same token many times: fast-jwt keeps verified tokens (by hash, never past their exp)
      // for a minute, so the signature is checked once per token and minute, not per request. A key withdrawn
      // from the JWKS stops verifying within that minute for tokens seen before (keys themselves are cached 10 min).
      cache: 1000,
      cacheTTL: 60_000,
      extractToken: (request: FastifyRequest) => (request as unknown as Record<symbol, string | undefined>)[kToken]
    }
  } as never)

  const verifyName = `${namespace}JwtVerify`
  async function verify (request: FastifyRequest, token: string): Promise<Principal> {
    (request as unknown as Record<symbol, string>)[kToken] = token
    let claims: Record<string, unknown>
    try {
      claims = await (request as unknown as Record<string, () => Promise<Record<string, unknown>>>)[verifyName]()
    } catch (error) {
      // fast-jwt's and the key source's messages say what failed; neither includes the token.
      throw new InvalidToken((error as Error).message)
    } finally {
      (request as unknown as Record<symbol, string | undefined>)[kToken] = undefined
    }
    return principalFrom(claims, settings, Date.now())
  }
  return { verify, keys }
}

/** The checks fast-jwt does not make, then the principal. */
export function principalFrom (claims: Record<string, unknown>, settings: JwtSettings, now: number): Principal {
  const skew = settings.clockSkewSeconds
  const nowSeconds = now / 1000
  const { exp, iat, sub } = claims
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new InvalidToken('the token has no numeric "exp" (expiry) claim')
  if (iat !== undefined && (typeof iat !== 'number' || iat > nowSeconds + skew)) throw new InvalidToken('the token\'s "iat" (issued at) is in the future')
  const lifetime = exp - (typeof iat === 'number' ? iat : nowSeconds)
  if (lifetime > settings.maxTokenLifetimeSeconds || exp - nowSeconds > settings.maxTokenLifetimeSeconds + skew) {
    throw new InvalidToken(`the token lives longer than this server accepts (${settings.maxTokenLifetimeSeconds} s, MCP_JWT_MAX_LIFETIME_SECONDS)`)
  }
  if (typeof sub !== 'string' || sub === '') throw new InvalidToken('the token has no "sub" claim naming the caller')
  return { id: sub, scopes: scopesOf(claims), claims, expiresAt: exp * 1000, via: 'jwt' }
}
