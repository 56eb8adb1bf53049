/** The auth settings from the environment: modes, what each needs, and the messages when something is missing. */
import t from 'tap'
import { loadConfig } from '../../apps/server/src/config/load.ts'
import { SECRET } from './helpers.ts'

t.test('environment variables map to the auth settings', async (t) => {
  const config = await loadConfig({
    MCP_AUTH: 'jwt',
    MCP_JWT_JWKS_URL: 'https://idp.example.test/keys',
    MCP_JWT_ISSUER: 'https://idp.example.test',
    MCP_PUBLIC_URL: 'https://mcp.example.test/mcp',
    MCP_SCOPES_SUPPORTED: 'db:read, db:write',
    MCP_JWT_MAX_LIFETIME_SECONDS: '3600',
    MCP_ALLOW_UNAUTHENTICATED_PUBLIC: 'false',
    MCP_RATE_LIMIT_PER_MINUTE: '50'
  }, '/nonexistent')
  t.equal(config.auth.mode, 'jwt')
  t.equal(config.auth.jwksUrl, 'https://idp.example.test/keys')
  t.same(config.auth.scopesSupported, ['db:read', 'db:write'])
  t.equal(config.auth.maxTokenLifetimeSeconds, 3600)
  t.equal(config.auth.allowUnauthenticatedPublic, false)
  t.equal(config.publicUrl, 'https://mcp.example.test/mcp')
  t.equal(config.limits.rateLimitPerMinute, 50)
})

t.test('each mode says what it lacks', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ MCP_AUTH: 'jwt' }, /MCP_AUTH=jwt needs MCP_JWT_SECRET .* or MCP_JWT_JWKS_URL/],
    [{ MCP_JWT_SECRET: SECRET }, /set MCP_PUBLIC_URL .* or MCP_JWT_AUDIENCE/],
    [{ MCP_JWT_JWKS_URL: 'https://idp.example.test/keys', MCP_PUBLIC_URL: 'https://m.example.test/mcp' }, /MCP_JWT_JWKS_URL needs MCP_JWT_ISSUER/],
    [{ MCP_AUTH: 'apikey' }, /MCP_AUTH=apikey needs MCP_API_KEYS_FILE/],
    [{ MCP_AUTH: 'oauth' }, /auth\.mode \(from MCP_AUTH\): must be one of none, jwt, apikey/],
    [{ MCP_ALLOW_UNAUTHENTICATED_PUBLIC: 'maybe' }, /auth\.allowUnauthenticatedPublic \(from MCP_ALLOW_UNAUTHENTICATED_PUBLIC\)/],
    [{ MCP_PUBLIC_URL: 'mcp.example.test' }, /publicUrl \(from MCP_PUBLIC_URL\)/]
  ]
  for (const [env, message] of cases) {
    const error = await loadConfig(env, '/nonexistent').catch((e: Error) => e)
    t.type(error, Error, JSON.stringify(env))
    t.match((error as Error & { code: string }).code, 'MCP_ERR_INVALID_CONFIG')
    t.match((error as Error).message, message)
  }
})
