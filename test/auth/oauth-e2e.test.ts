/**
 * A real OAuth flow end to end: a local authorization server
 * (oauth2-mock-server: real keys, a JWKS, discovery metadata, a token
 * endpoint) and the official SDK client's OAuth support. The client gets a
 * 401, follows `resource_metadata` to this server's RFC 9728 document, finds
 * the authorization server, gets a token by client credentials for this
 * resource (RFC 8707 `resource`) and calls a scoped tool. A token the same
 * server issued for another audience is refused.
 */
import { createServer } from 'node:net'
import t from 'tap'
import { OAuth2Server } from 'oauth2-mock-server'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js'
import { buildApp } from '@mcp-platform/server'
import { modernRequest } from '@mcp-platform/server/testing'
import { checkLogs, logCapture } from './helpers.ts'

async function freePort (): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

t.test('the SDK client discovers the authorization server from the 401, gets a token and calls a scoped tool', async (t) => {
  const logs = logCapture()
  const authServer = new OAuth2Server()
  await authServer.issuer.keys.generate('RS256')
  await authServer.start(0, '127.0.0.1')
  t.teardown(() => authServer.stop())
  const issuer = authServer.issuer.url!
  const tokenRequests: Array<Record<string, unknown>> = []
  // What a real provider does with a resource indicator: the token's audience is the resource; the client is its subject.
  authServer.service.on('beforeTokenSigning', (token, request) => {
    const body = request.body as Record<string, unknown>
    tokenRequests.push(body)
    const basic = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString()
    token.payload.aud = body.resource
    token.payload.sub = body.client_id ?? decodeURIComponent(basic.split(':')[0])
  })

  const port = await freePort()
  const resource = `http://127.0.0.1:${port}/mcp`
  let runs = 0
  const app = await buildApp({
    logLevel: 'debug',
    stateSecret: 'e2e',
    publicUrl: resource,
    auth: { jwksUrl: `${issuer}/jwks`, issuer, scopesSupported: ['db:read'] },
    plugins: [{
      plugin: async (app) => {
        app.mcp.tool({ name: 'query', description: 'reads rows', scopes: ['db:read'], handler: (_a, ctx) => { runs++; return `rows for ${ctx.principal?.id}` } })
        app.mcp.tool({ name: 'drop', description: 'drops a table', scopes: ['db:write'], handler: () => 'dropped' })
      }
    }]
  }, { logStream: logs.stream })
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port })

  const provider = new ClientCredentialsProvider({ clientId: 'agent-7', clientSecret: 'agent-7-secret', scope: 'db:read' })
  const client = new Client({ name: 'e2e', version: '1.0.0' })
  const seen: string[] = []
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    const url = new URL(input instanceof Request ? input.url : String(input))
    seen.push(`${init?.method ?? 'GET'} ${url.port === String(port) ? 'mcp' : 'as'}${url.pathname} ${response.status}`)
    return response
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider, fetch: recording }))
  t.teardown(() => client.close())

  t.equal(seen[0], 'POST mcp/mcp 401', 'the first request was refused')
  t.ok(seen.includes('GET mcp/.well-known/oauth-protected-resource/mcp 200'), 'the client read the resource metadata the 401 named')
  t.ok(seen.some((line) => /^GET as\/\.well-known\/(oauth-authorization-server|openid-configuration) 200$/.test(line)), 'then the authorization server\'s metadata')
  t.ok(seen.includes('POST as/token 200'), 'then got a token')
  const retried = seen.slice(seen.indexOf('POST as/token 200') + 1)
  t.equal(retried[0], 'POST mcp/mcp 200', 'and the retried initialize passed')

  t.equal(tokenRequests.length, 1, 'the client asked the authorization server for a token once')
  t.equal(tokenRequests[0].grant_type, 'client_credentials')
  t.equal(tokenRequests[0].resource, resource, 'for this resource (RFC 8707)')
  const token = provider.tokens()?.access_token
  t.type(token, 'string', 'the client holds the token')
  logs.secrets.add(token!)

  const tools = await client.listTools()
  t.same(tools.tools.map((tool) => tool.name), ['query'], 'the list shows only what the token\'s scopes allow')
  const result = await client.callTool({ name: 'query', arguments: {} })
  t.same(result.content, [{ type: 'text', text: 'rows for agent-7' }])
  t.equal(runs, 1)

  t.test('a token of the same authorization server for another audience is refused', async (t) => {
    const answer = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'agent-7', scope: 'db:read', resource: 'https://other.example.test/mcp' })
    })
    const foreign = (await answer.json() as { access_token: string }).access_token
    logs.secrets.add(foreign)
    const refused = await modernRequest(resource, 'tools/call', { name: 'query', arguments: {} }, { headers: { authorization: `Bearer ${foreign}` } })
    t.equal(refused.status, 401)
    t.match(refused.headers.get('www-authenticate'), /error="invalid_token"/)
    t.match(refused.response.error.message, /aud/)
    t.equal(runs, 1, 'the tool did not run')
  })

  t.test('no token reached the logs', async (t) => { checkLogs(t, logs) })
})
