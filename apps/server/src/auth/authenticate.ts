/**
 * Finding and checking the caller's credential. Tokens are read from the
 * `Authorization: Bearer` header only; a WebSocket upgrade may instead offer
 * `bearer.<token>` in `Sec-WebSocket-Protocol` beside `mcp` (browsers cannot
 * set headers on a WebSocket), which the server never selects, so it is never
 * echoed back. A token in the query string is refused outright (URLs end up
 * in logs and histories); a session id is never a substitute for a token.
 */
import type { FastifyRequest } from 'fastify'
import type { Principal } from '../registry/types.ts'
import type { ApiKeyChecker } from './api-keys.ts'
import { InvalidToken } from './invalid-token.ts'
import type { JwtVerifier } from './jwt.ts'

export type Credential =
  | { kind: 'token', token: string }
  | { kind: 'none', detail: string }
  | { kind: 'in-query' }

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i
const SUBPROTOCOL_PREFIX = 'bearer.'
/** Query parameters that carry tokens by convention (RFC 6750 §2.3) or habit. */
const QUERY_TOKENS = ['access_token', 'token', 'api_key', 'apikey']

export function credentialOf (request: FastifyRequest): Credential {
  const query = request.query as Record<string, unknown> | undefined
  if (query !== null && typeof query === 'object' && QUERY_TOKENS.some((name) => Object.hasOwn(query, name))) return { kind: 'in-query' }
  const header = request.headers.authorization
  if (header !== undefined) {
    const match = BEARER.exec(header)
    if (match !== null) return { kind: 'token', token: match[1] }
    return { kind: 'none', detail: 'send Authorization: Bearer <token> (other schemes, such as Basic, are not accepted)' }
  }
  if (request.headers.upgrade?.toLowerCase() === 'websocket') {
    const offered = request.headers['sec-websocket-protocol']
    const entry = offered?.split(',').map((item) => item.trim()).find((item) => item.startsWith(SUBPROTOCOL_PREFIX))
    if (entry !== undefined && entry.length > SUBPROTOCOL_PREFIX.length) return { kind: 'token', token: entry.slice(SUBPROTOCOL_PREFIX.length) }
  }
  return { kind: 'none', detail: 'send Authorization: Bearer <token>' }
}

export type Verdict = { principal: Principal } | { invalid: string }

export interface Verifier {
  check (request: FastifyRequest, token: string): Promise<Verdict>
}

export function jwtChecker (verifier: JwtVerifier): Verifier {
  return {
    async check (request, token) {
      try {
        return { principal: await verifier.verify(request, token) }
      } catch (error) {
        if (error instanceof InvalidToken) return { invalid: error.message }
        throw error
      }
    }
  }
}

export function apiKeyChecker (keys: ApiKeyChecker): Verifier {
  return {
    async check (_request, token) {
      const principal = keys.check(token)
      return principal !== undefined ? { principal } : { invalid: 'the API key is not known to this server' }
    }
  }
}
