/** The `auth` option of `mcpPlatform` (docs/security.md): one schema for the checks at registration and the type. */
import { Type, type Static } from '@sinclair/typebox'

/** A scope token (RFC 6749 §3.3): printable ASCII without spaces, quotes or backslashes. */
export const SCOPE_PATTERN = '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$'

export const ApiKeySchema = Type.Object({
  /** Hex SHA-256 of the key: the key itself is never stored. */
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  /** The caller the key stands for (`ctx.principal.id`). */
  principal: Type.String({ minLength: 1 }),
  scopes: Type.Array(Type.String({ pattern: SCOPE_PATTERN }), { default: [] })
}, { additionalProperties: false })

export const AuthOptionsSchema = Type.Object({
  /** Default: jwt with jwtSecret or jwksUrl, apikey with apiKeys. */
  mode: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('jwt'), Type.Literal('apikey')])),
  /** HS256 shared secret. */
  jwtSecret: Type.Optional(Type.String({ minLength: 32 })),
  /** The identity provider's JWKS (RS256, ES256, EdDSA keys). */
  jwksUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Required `iss` (required with jwksUrl). */
  issuer: Type.Optional(Type.String({ minLength: 1 })),
  /** Required `aud`; default: `resource`. */
  audience: Type.Optional(Type.String({ minLength: 1 })),
  /** This endpoint's public URL: RFC 9728 `resource`, default audience. */
  resource: Type.Optional(Type.String({ pattern: '^https?://' })),
  maxTokenLifetimeSeconds: Type.Integer({ minimum: 60, default: 86_400 }),
  clockSkewSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
  jwksRefreshMinIntervalMs: Type.Integer({ minimum: 0, default: 30_000 }),
  /** RFC 9728 `authorization_servers`; default: [issuer]. */
  authorizationServers: Type.Optional(Type.Array(Type.String({ pattern: '^https?://' }))),
  /** RFC 9728 `scopes_supported`, also the `scope` of 401 challenges. */
  scopesSupported: Type.Optional(Type.Array(Type.String({ pattern: SCOPE_PATTERN }))),
  apiKeys: Type.Optional(Type.Array(ApiKeySchema))
}, { additionalProperties: false })

export type AuthOptions = Static<typeof AuthOptionsSchema>
export type ApiKey = Static<typeof ApiKeySchema>
