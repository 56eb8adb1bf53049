/**
 * What the hostile-input suite found, one deterministic case each: errors
 * outside the MCP endpoint name no Fastify error codes, an HTTP error to a
 * client's response does not reuse the response's id, and a legacy
 * initialize with a clientInfo nested too deep for JSON.stringify is served.
 */
import t from 'tap'
import { LEGACY_VERSION, MODERN_VERSION, rawPost } from '@mcp-platform/server/testing'
import { deepText, send, startFuzzServer } from './fuzz-kit.ts'

t.test('errors outside the MCP endpoint name no internal error codes', async (t) => {
  const server = await startFuzzServer(t)
  const bad = await send(server.url, { method: 'POST', path: '/%ff', headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') })
  t.equal(bad.status, 400, 'a URL that is not valid: 400')
  t.notMatch(bad.body.toString(), /FST_/)
  const other = await send(server.url, { method: 'POST', path: '/elsewhere', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"__proto__":{}}') })
  t.equal(other.status, 400, 'a forbidden key on another path: 400')
  t.notMatch(other.body.toString(), /FST_/)
  t.match(JSON.parse(other.body.toString()), { statusCode: 400, error: 'Bad Request', message: String })
})

t.test('an HTTP error to a client response carries id null', async (t) => {
  const server = await startFuzzServer(t)
  const answer = await rawPost(server.url, { jsonrpc: '2.0', id: 7, result: {} }, { 'mcp-protocol-version': MODERN_VERSION })
  t.equal(answer.status, 400)
  t.equal(answer.response.id, null, 'not 7: the client has no request of its own with that id to answer')
})

t.test('initialize with a clientInfo nested 100,000 levels deep is refused clearly, not a 500', async (t) => {
  const server = await startFuzzServer(t, { bodyLimit: 1_048_576 })
  const body = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"${LEGACY_VERSION}","capabilities":{},"clientInfo":${deepText(100_000, 'object')}}}`
  const answer = await rawPost(server.url, body)
  t.equal(answer.status, 200, 'not 500: measuring or logging the clientInfo no longer overflows the stack')
  t.equal(answer.response.error?.code, -32602)
  t.match(answer.response.error?.message, /"clientInfo" is nested too deep to serialize; this server keeps at most 4096 bytes/)
  t.equal(answer.headers.get('mcp-session-id'), null, 'no session is made')
})
