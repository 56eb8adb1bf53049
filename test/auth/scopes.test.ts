/**
 * Per-item scopes: lists show each caller only what its token's scopes allow,
 * and using anything else is refused the same way on HTTP (both eras: 403,
 * WWW-Authenticate error="insufficient_scope" with the scopes) and WebSocket
 * (the same JSON-RPC error); the handler never runs.
 */
import t from 'tap'
import { LEGACY_VERSION, modernEnvelope, modernRequest, rawPost, startTestServer } from '@mcp-platform/server/testing'
import { RawClient } from '../websocket/helpers.ts'
import { checkLogs, claims, hs256, ISSUER, logCapture, RESOURCE_ORIGIN, SECRET } from './helpers.ts'

const RESOURCE = `${RESOURCE_ORIGIN}/mcp`
const METADATA = `${RESOURCE_ORIGIN}/.well-known/oauth-protected-resource/mcp`

t.test('scopes on tools, resources, templates and prompts', async (t) => {
  const logs = logCapture()
  const ran: string[] = []
  const { url, wsUrl } = await startTestServer(t, {
    jwtSecret: SECRET,
    publicUrl: RESOURCE,
    logLevel: 'debug',
    auth: { issuer: ISSUER },
    plugins: [{
      plugin: async (app) => {
        app.mcp.tool({ name: 'open', description: 'for everyone', handler: () => { ran.push('open'); return 'ok' } })
        app.mcp.tool({ name: 'query', description: 'reads', scopes: ['db:read'], handler: () => { ran.push('query'); return 'rows' } })
        app.mcp.tool({ name: 'drop', description: 'writes', scopes: ['db:read', 'db:write'], handler: () => { ran.push('drop'); return 'dropped' } })
        app.mcp.resource({ uri: 'db://schema', name: 'schema', scopes: ['db:read'], read: () => { ran.push('schema'); return 'tables' } })
        app.mcp.resource({ uri: 'db://readme', name: 'readme', read: () => 'hello' })
        app.mcp.resourceTemplate({ uriTemplate: 'db://tables/{table}', name: 'table', scopes: ['db:read'], read: () => { ran.push('table'); return 'cols' } })
        app.mcp.prompt({ name: 'report', scopes: ['reports'], handler: () => { ran.push('report'); return 'write a report' } })
      }
    }]
  }, { logStream: logs.stream })
  const reader = hs256(claims(RESOURCE, { scope: 'db:read' }))
  const writer = hs256(claims(RESOURCE, { scope: 'db:write db:read reports', sub: 'writer' }))
  const nobody = hs256(claims(RESOURCE, { sub: 'nobody' }))
  for (const token of [reader, writer, nobody]) logs.secrets.add(token)

  const modern = (token: string, method: string, params: Record<string, unknown> = {}) =>
    modernRequest(url, method, params, { headers: { authorization: `Bearer ${token}` } })

  t.test('lists are filtered per caller (modern), and marked private', async (t) => {
    const names = async (token: string) => (await modern(token, 'tools/list')).response.result.tools.map((tool: { name: string }) => tool.name)
    t.same(await names(nobody), ['open'])
    t.same(await names(reader), ['open', 'query'])
    t.same(await names(writer), ['drop', 'open', 'query'])
    t.equal((await modern(reader, 'tools/list')).response.result.cacheScope, 'private')
    const resources = (await modern(nobody, 'resources/list')).response.result.resources.map((r: { uri: string }) => r.uri)
    t.same(resources, ['db://readme'])
    t.same((await modern(nobody, 'resources/templates/list')).response.result.resourceTemplates, [])
    t.same((await modern(reader, 'resources/templates/list')).response.result.resourceTemplates.map((r: { name: string }) => r.name), ['table'])
    t.same((await modern(reader, 'prompts/list')).response.result.prompts, [])
    t.same((await modern(writer, 'prompts/list')).response.result.prompts.map((p: { name: string }) => p.name), ['report'])
  })

  const refusals: Array<[string, string, Record<string, unknown>, string]> = [
    ['a tool', 'tools/call', { name: 'drop', arguments: {} }, 'db:read db:write'],
    ['a resource', 'resources/read', { uri: 'db://schema' }, 'db:read'],
    ['a template', 'resources/read', { uri: 'db://tables/users' }, 'db:read'],
    ['a prompt', 'prompts/get', { name: 'report' }, 'reports'],
    ['a prompt completion', 'completion/complete', { ref: { type: 'ref/prompt', name: 'report' }, argument: { name: 'x', value: '' } }, 'reports']
  ]

  t.test('HTTP, modern: 403 with insufficient_scope and the scopes, nothing runs', async (t) => {
    for (const [what, method, params, scope] of refusals) {
      const answer = await modern(what === 'a tool' ? reader : nobody, method, params)
      t.equal(answer.status, 403, what)
      t.equal(answer.headers.get('www-authenticate'),
        `Bearer error="insufficient_scope", scope="${scope}", resource_metadata="${METADATA}", error_description="the token lacks a required scope"`, what)
      t.equal(answer.response.error.code, -32600)
      t.same(answer.response.error.data, { error: 'insufficient_scope', requiredScopes: scope.split(' ') })
    }
    t.same(ran, [], 'no handler ran')
  })

  t.test('HTTP, legacy: the same 403 in a session', async (t) => {
    const headers = { 'mcp-protocol-version': LEGACY_VERSION, authorization: `Bearer ${nobody}` }
    const init = await rawPost(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 't', version: '1' } } }, headers)
    const session = init.headers.get('mcp-session-id')!
    await rawPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...headers, 'mcp-session-id': session })
    for (const [what, method, params, scope] of refusals) {
      const answer = await rawPost(url, { jsonrpc: '2.0', id: 7, method, params },
        { 'mcp-protocol-version': LEGACY_VERSION, 'mcp-session-id': session, authorization: `Bearer ${nobody}` })
      t.equal(answer.status, 403, what)
      t.match(answer.headers.get('www-authenticate'), `error="insufficient_scope", scope="${scope}"`)
    }
    const list = await rawPost(url, { jsonrpc: '2.0', id: 8, method: 'tools/list' },
      { 'mcp-protocol-version': LEGACY_VERSION, 'mcp-session-id': session, authorization: `Bearer ${nobody}` })
    t.same(list.response.result.tools.map((tool: { name: string }) => tool.name), ['open'], 'legacy lists are filtered too')
    t.same(ran, [], 'no handler ran')
  })

  t.test('WebSocket, both eras: the same JSON-RPC error', async (t) => {
    const client = await RawClient.connect(t, wsUrl, { headers: { authorization: `Bearer ${nobody}` } })
    for (const [what, method, params, scope] of refusals) {
      const answer = await client.request(method, { ...params, _meta: modernEnvelope() })
      t.equal(answer.error?.code, -32600, what)
      t.same(answer.error?.data, { error: 'insufficient_scope', requiredScopes: scope.split(' ') })
    }
    await client.initialize()
    const legacy = await client.request('tools/call', { name: 'query', arguments: {} })
    t.match(legacy.error?.message, /needs the scope db:read/)
    const list = await client.request('tools/list')
    t.same(list.result.tools.map((tool: { name: string }) => tool.name), ['open'])
    t.same(ran, [], 'no handler ran')
  })

  t.test('subscriptions: refused for a resource the caller may not read, left out of a listen', async (t) => {
    const client = await RawClient.connect(t, wsUrl, { headers: { authorization: `Bearer ${nobody}` } })
    const listen = client.request('subscriptions/listen', {
      notifications: { resourceSubscriptions: ['db://schema', 'db://readme', 'db://tables/users'] },
      _meta: modernEnvelope({ subscriptions: {} })
    }, 'listen-1')
    const ack = await client.next((m) => m.method === 'notifications/subscriptions/acknowledged')
    t.same(ack.params.notifications.resourceSubscriptions, ['db://readme'], 'only what the caller may read is kept')
    await client.initialize()
    const refused = await client.request('resources/subscribe', { uri: 'db://schema' })
    t.same(refused.error?.data, { error: 'insufficient_scope', requiredScopes: ['db:read'] })
    t.same(await client.request('resources/subscribe', { uri: 'db://readme' }).then((m) => m.result), {})
    client.close()
    void listen
  })

  t.test('with the scopes, it runs', async (t) => {
    t.equal((await modern(writer, 'tools/call', { name: 'drop', arguments: {} })).response.result.content[0].text, 'dropped')
    t.equal((await modern(reader, 'resources/read', { uri: 'db://tables/users' })).response.result.contents[0].text, 'cols')
    t.same(ran, ['drop', 'table'])
  })

  t.test('no credential reached the logs', async (t) => { checkLogs(t, logs) })
})

t.test('without auth, scopes are not enforced and lists stay public', async (t) => {
  const { url } = await startTestServer(t, {
    plugins: [{ plugin: async (app) => { app.mcp.tool({ name: 'query', description: 'reads', scopes: ['db:read'], handler: () => 'rows' }) } }]
  })
  const list = await modernRequest(url, 'tools/list')
  t.same(list.response.result.tools.map((tool: { name: string }) => tool.name), ['query'])
  t.equal((await modernRequest(url, 'tools/call', { name: 'query', arguments: {} })).response.result.content[0].text, 'rows')
})
