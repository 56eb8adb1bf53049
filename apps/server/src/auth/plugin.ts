/**
 * Authentication and authorization of the MCP endpoint, put together from the
 * parts in this folder: an onRequest hook in the endpoint's scope (behind the
 * Origin/Host check) that rate-limits by address, refuses requests without a
 * valid credential (401 with a challenge, nothing runs), sets the request's
 * principal and rate-limits by principal. The metadata routes and /health are
 * registered by the platform outside that scope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { tokenNotInHeader, unauthorized, type ProtocolError } from '../protocol/errors.ts'
import { failureFrom } from '../protocol/jsonrpc.ts'
import type { Principal } from '../registry/types.ts'
import { createApiKeyChecker } from './api-keys.ts'
import { apiKeyChecker, credentialOf, jwtChecker, type Verifier } from './authenticate.ts'
import { createChallenges, type Challenges } from './challenge.ts'
import { authModeOf, type AuthMode } from './mode.ts'
import type { AuthOptions } from './options.ts'
import { createLimiters, type Limiter, type RateLimits } from './rate-limit.ts'
import { WELL_KNOWN, type ResourceMetadata } from './metadata.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; null when authentication is off or before it ran (a request decorator of the platform). */
    mcpPrincipal: Principal | null
  }
}

export function principalOf (request: FastifyRequest): Principal | undefined {
  return request.mcpPrincipal ?? undefined
}

/** What the rest of the platform needs of the auth settings, resolved once. */
export interface ResolvedAuth {
  mode: Exclude<AuthMode, 'none'>
  options: AuthOptions
  /** The token audience and RFC 9728 `resource`. */
  resource: string | undefined
  challenges: Challenges
  /** The metadata document and where it is served (jwt mode). */
  metadata: { document: ResourceMetadata, paths: string[] } | undefined
}

/** Settles the mode, resource URL, challenge and metadata for `auth` (undefined: authentication off). */
export function resolveAuth (options: AuthOptions | undefined, endpoint: { prefix: string, path: string, name: string }): ResolvedAuth | undefined {
  const mode = authModeOf(options)
  if (options === undefined || mode === 'none') return undefined
  const resource = options.resource ?? options.audience
  let metadata: ResolvedAuth['metadata']
  let metadataUrl: string | undefined
  if (mode === 'jwt' && resource !== undefined) {
    const fullPath = `${endpoint.prefix}${endpoint.path}`
    const paths = [`${endpoint.prefix}${WELL_KNOWN}`, `${endpoint.prefix}${WELL_KNOWN}${fullPath}`]
    metadataUrl = `${new URL(resource).origin}${paths[1]}`
    const servers = options.authorizationServers ?? (options.issuer !== undefined && /^https?:\/\//.test(options.issuer) ? [options.issuer] : [])
    metadata = {
      document: {
        resource,
        authorization_servers: servers,
        ...(options.scopesSupported !== undefined ? { scopes_supported: options.scopesSupported } : {}),
        bearer_methods_supported: ['header'],
        resource_name: endpoint.name
      },
      // Registered inside the platform, which adds the prefix itself.
      paths: paths.map((path) => path.slice(endpoint.prefix.length))
    }
  }
  return {
    mode,
    options,
    resource,
    challenges: createChallenges({ metadataUrl, scopesSupported: options.scopesSupported }),
    metadata
  }
}

export interface AuthRuntime {
  /** Counts a WebSocket message against its principal's limit: an error when over it. */
  admitMessage: Limiter | undefined
}

/** Registers the checks on the endpoint's scope. */
export async function enableAuth (scope: FastifyInstance, auth: ResolvedAuth, limits: RateLimits): Promise<AuthRuntime> {
  const verifier = await verifierFor(scope, auth, 'mcp')
  const { byAddress, byPrincipal } = await createLimiters(scope, limits)
  const { challenges } = auth

  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (byAddress !== undefined) {
      const refused = await byAddress(request)
      if (refused !== undefined) return await tooMany(reply, refused)
    }
    const credential = credentialOf(request)
    if (credential.kind === 'in-query') {
      request.log.info('request refused: an access token in the URL')
      return await refuse(reply, tokenNotInHeader(), challenges.unauthorized('invalid_request', 'tokens go in the Authorization header'))
    }
    if (credential.kind === 'none') {
      return await refuse(reply, unauthorized(credential.detail), challenges.unauthorized())
    }
    const verdict = await verifier.check(request, credential.token)
    if ('invalid' in verdict) {
      // The reason only: the token itself is never logged.
      request.log.info({ reason: verdict.invalid }, 'request refused: invalid credential')
      return await refuse(reply, unauthorized(`the ${auth.mode === 'jwt' ? 'bearer token' : 'API key'} is not valid: ${verdict.invalid}`),
        challenges.unauthorized('invalid_token', verdict.invalid))
    }
    request.mcpPrincipal = verdict.principal
    if (byPrincipal !== undefined) {
      const refused = await byPrincipal(request)
      if (refused !== undefined) return await tooMany(reply, refused)
    }
  })
  return { admitMessage: byPrincipal }
}

/** The credential check alone (for /health's detail), registered on its own scope. */
export async function createCredentialCheck (scope: FastifyInstance, auth: ResolvedAuth): Promise<(request: FastifyRequest) => Promise<boolean>> {
  const verifier = await verifierFor(scope, auth, 'mcpHealth')
  return async (request) => {
    const credential = credentialOf(request)
    return credential.kind === 'token' && 'principal' in await verifier.check(request, credential.token)
  }
}

async function verifierFor (scope: FastifyInstance, auth: ResolvedAuth, namespace: string): Promise<Verifier> {
  const { options } = auth
  if (auth.mode === 'apikey') return apiKeyChecker(createApiKeyChecker(options.apiKeys ?? []))
  // Loaded here: @fastify/jwt and get-jwks stay out of servers without JWT auth (start-up time).
  const { createJwtVerifier } = await import('./jwt.ts')
  return jwtChecker(await createJwtVerifier(scope, {
    jwtSecret: options.jwtSecret,
    jwksUrl: options.jwksUrl,
    issuer: options.issuer,
    audience: options.audience ?? auth.resource!,
    maxTokenLifetimeSeconds: options.maxTokenLifetimeSeconds,
    clockSkewSeconds: options.clockSkewSeconds,
    jwksRefreshMinIntervalMs: options.jwksRefreshMinIntervalMs
  }, namespace))
}

async function refuse (reply: FastifyReply, error: ProtocolError, challenge: string): Promise<FastifyReply> {
  return await reply.code(error.httpStatus).header('www-authenticate', challenge).header('cache-control', 'no-store').send(failureFrom(null, error))
}

async function tooMany (reply: FastifyReply, error: ProtocolError): Promise<FastifyReply> {
  return await reply.code(429).header('retry-after', String(Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000)))).send(failureFrom(null, error))
}
