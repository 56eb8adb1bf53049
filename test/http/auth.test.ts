/**
 * Bearer-token authentication (MCP_JWT_SECRET): every MCP request needs a
 * valid token; its `sub` becomes ctx.principal and owns sessions and MRTR
 * state; tokens never reach the logs.
 */
import { createHmac } from 'node:crypto'
import { Writable } from 'node:stream'
import t from 'tap'
import WebSocket from 'ws'
import { buildTestApp, LEGACY_VERSION, modernRequest, rawPost, startTestServer } from '@mcp-platform/server/testing'

const SECRET = 'a-test-secret-that-is-at-least-32-chars'
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

function token (claims: Record<string, unknown>, secret = SECRET): string {
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iat: Math.floor(Date.now() / 1000), ...claims })}`
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
}

t.test('with MCP_JWT_SECRET set', async (t) => {
  let logs = ''
  const logStream = new Writable({ write (chunk, _encoding, done) { logs += chunk.toString(); done() } })
  const { url, wsUrl } = await startTestServer(t, {
    jwtSecret: SECRET,
    logLevel: 'debug',
    auth: { issuer: 'https://issuer.example' },
    plugins: [{
      plugin: async (app) => {
        app.mcp.tool({ name: 'whoami', description: 'Returns the caller', handler: (_args, ctx) => ctx.principal?.id ?? 'nobody' })
        app.mcp.tool({
          name: 'ask',
          description: 'Asks the user a question',
          async handler (_args, ctx) {
            const answer = await ctx.elicit({ message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } })
            return String(answer.content?.name)
          }
        })
      }
    }]
  }, { logStream })
  const alice = token({ sub: 'alice', iss: 'https://issuer.example', scope: 'tools:read tools:call' })
  const bob = token({ sub: 'bob', iss: 'https://issuer.example' })

  const call = (name: string, authorization?: string, params: Record<string, unknown> = {}) =>
    modernRequest(url, 'tools/call', { name, arguments: {}, ...params }, {
      capabilities: { elicitation: {} },
      headers: authorization !== undefined ? { authorization } : {}
    })

  t.test('a valid token reaches the tool as ctx.principal', async (t) => {
    const answer = await call('whoami', `Bearer ${alice}`)
    t.equal(answer.status, 200)
    t.equal(answer.response.result.content[0].text, 'alice')
  })

  const refusals: Array<[string, string | undefined, RegExp]> = [
    ['no Authorization header', undefined, /send Authorization: Bearer <token>/],
    ['a Basic header', 'Basic dXNlcjpwYXNz', /send Authorization: Bearer <token>/],
    ['a bad signature', `Bearer ${token({ sub: 'alice', iss: 'https://issuer.example' }, 'another-secret-another-secret-12345')}`, /not valid/],
    ['an expired token', `Bearer ${token({ sub: 'alice', iss: 'https://issuer.example', exp: Math.floor(Date.now() / 1000) - 60 })}`, /not valid/],
    ['a foreign issuer', `Bearer ${token({ sub: 'alice', iss: 'https://evil.example' })}`, /not valid/],
    ['no sub claim', `Bearer ${token({ iss: 'https://issuer.example' })}`, /no "sub" claim/],
    ['garbage', 'Bearer not.a.jwt', /not valid/]
  ]
  for (const [what, authorization, message] of refusals) {
    t.test(`${what} gets 401 with WWW-Authenticate and a JSON-RPC error`, async (t) => {
      const answer = await call('whoami', authorization)
      t.equal(answer.status, 401)
      t.match(answer.headers.get('www-authenticate'), /^Bearer realm="mcp", error="(missing_token|invalid_token)"$/)
      t.equal(answer.response.error.code, -32600)
      t.match(answer.response.error.message, message)
    })
  }

  t.test('/health needs no token', async (t) => {
    t.equal((await fetch(new URL('/health', url))).status, 200)
  })

  t.test('a legacy session belongs to the principal that opened it', async (t) => {
    const init = await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 't', version: '1' } } },
      { 'mcp-protocol-version': LEGACY_VERSION, authorization: `Bearer ${alice}` })
    const session = init.headers.get('mcp-session-id')!
    const list = (authorization: string) => rawPost(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { 'mcp-protocol-version': LEGACY_VERSION, 'mcp-session-id': session, authorization })
    t.equal((await list(`Bearer ${alice}`)).status, 200)
    t.equal((await list(`Bearer ${bob}`)).status, 404, 'another principal cannot use it')
  })

  t.test('MRTR requestState issued to one principal is refused for another', async (t) => {
    const first = (await call('ask', `Bearer ${alice}`)).response
    t.equal(first.result.resultType, 'input_required')
    const retry = { requestState: first.result.requestState, inputResponses: { 'elicitation-0': { action: 'accept', content: { name: 'Alice' } } } }
    const asBob = (await call('ask', `Bearer ${bob}`, retry)).response
    t.equal(asBob.error.code, -32602)
    t.match(asBob.error.message, /issued to another caller/)
    const asAlice = (await call('ask', `Bearer ${alice}`, retry)).response
    t.equal(asAlice.result.content[0].text, 'Alice')
  })

  t.test('a WebSocket upgrade without a token is refused', async (t) => {
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(wsUrl, 'mcp')
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      socket.on('open', () => { socket.close(); resolve(101) })
      socket.on('error', () => {})
    })
    t.equal(status, 401)
    const opened = await new Promise<boolean>((resolve) => {
      const socket = new WebSocket(wsUrl, 'mcp', { headers: { authorization: `Bearer ${alice}` } })
      socket.on('open', () => { socket.close(); resolve(true) })
      socket.on('unexpected-response', () => resolve(false))
      socket.on('error', () => {})
    })
    t.ok(opened, 'with a token it opens')
  })

  t.test('tokens never reach the logs', async (t) => {
    t.ok(logs.length > 0, 'something was logged')
    t.notOk(logs.includes(alice), 'no valid token in the logs')
    t.notOk(logs.includes('dXNlcjpwYXNz'), 'no Basic credentials in the logs')
  })
})

t.test('a secret shorter than 32 characters is refused at start', async (t) => {
  await t.rejects(buildTestApp(t, { jwtSecret: 'short' }), /MCP_JWT_SECRET: must be at least 32 characters/)
})
