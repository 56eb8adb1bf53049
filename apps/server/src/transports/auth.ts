/**
 * Optional bearer-token authentication (JWT, via @fastify/jwt). When a secret
 * is configured, every MCP request and WebSocket upgrade must carry
 * `Authorization: Bearer <token>`; the token's claims become the request's
 * Principal (`ctx.principal` in handlers), which also owns the legacy
 * sessions and MRTR state it creates.
 */
import fastifyJwt from '@fastify/jwt'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { unauthorized } from '../protocol/errors.ts'
import { failureFrom } from '../protocol/jsonrpc.ts'
import type { Principal } from '../registry/types.ts'

export interface AuthOptions {
  /** HMAC secret (HS256). */
  secret: string
  issuer?: string
  audience?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; null when authentication is off or before it ran (a request decorator of the platform). */
    mcpPrincipal: Principal | null
  }
}

export function principalOf (request: FastifyRequest): Principal | undefined {
  return request.mcpPrincipal ?? undefined
}

/** Registers @fastify/jwt on `scope` and an onRequest hook that refuses requests without a valid token. */
export async function enableAuth (scope: FastifyInstance, options: AuthOptions): Promise<void> {
  await scope.register(fastifyJwt, {
    secret: options.secret,
    // fast-jwt's reason (bad signature, expired, claim not allowed), never the token itself.
    messages: { authorizationTokenInvalid: (error: Error) => error.message },
    verify: {
      algorithms: ['HS256'],
      ...(options.issuer !== undefined ? { allowedIss: options.issuer } : {}),
      ...(options.audience !== undefined ? { allowedAud: options.audience } : {})
    }
  })
  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization
    if (header === undefined || !/^Bearer\s+\S+$/i.test(header)) {
      return await refuse(reply, 'missing_token', 'send Authorization: Bearer <token>')
    }
    let claims: Record<string, unknown>
    try {
      claims = await request.jwtVerify<Record<string, unknown>>()
    } catch (error) {
      // The token itself is never logged.
      request.log.info({ reason: (error as { code?: string }).code }, 'request refused: invalid bearer token')
      return await refuse(reply, 'invalid_token', `the bearer token is not valid: ${(error as Error).message}`)
    }
    if (typeof claims.sub !== 'string' || claims.sub === '') {
      return await refuse(reply, 'invalid_token', 'the bearer token has no "sub" claim naming the caller')
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : Array.isArray(claims.scp) ? claims.scp.map(String) : undefined
    request.mcpPrincipal = { id: claims.sub, scopes, claims }
  })
}

async function refuse (reply: FastifyReply, error: string, message: string): Promise<FastifyReply> {
  return await reply
    .code(401)
    .header('www-authenticate', `Bearer realm="mcp", error="${error}"`)
    .send(failureFrom(null, unauthorized(message)))
}
