/**
 * Spec corrections found by clients written elsewhere, each over HTTP and,
 * where it applies, WebSocket: unknown protocol versions, a header naming
 * another era than the body, prototype keys in valid JSON, methods the
 * endpoint does not serve, and pipelining past the WebSocket in-flight cap.
 */
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { createRequire } from 'node:module'
import calculator from '../../plugins/calculator/src/index.ts'
import {
  LEGACY_VERSION, legacyInitialize, META, MODERN_VERSION, modernEnvelope, modernHeaders, rawPost, readAnswer, startTestServer
} from '@mcp-platform/server/testing'
import { newProbe, RawClient, waitPlugin, type Message } from '../websocket/helpers.ts'

const UNKNOWN = '1900-01-01'

/** ws's frame encoder (untyped in @types/ws): builds masked client frames to send in one TCP write. */
const { Sender } = createRequire(import.meta.url)('ws') as {
  Sender: { frame (data: Buffer, options: Record<string, unknown>): Buffer[] }
}

t.test('an unknown protocol version gets UnsupportedProtocolVersion (-32022, 400) with data.supported and data.requested', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: calculator }] })
  const meta = { ...modernEnvelope(), [META.protocolVersion]: UNKNOWN }
  const http = await rawPost(server.url, { jsonrpc: '2.0', id: 7, method: 'tools/list', params: { _meta: meta } },
    { ...modernHeaders('tools/list'), 'mcp-protocol-version': UNKNOWN })
  t.equal(http.status, 400)
  t.equal(http.response.id, 7)
  t.equal(http.response.error.code, -32022)
  t.equal(http.response.error.data.requested, UNKNOWN)
  t.ok(http.response.error.data.supported.includes(MODERN_VERSION), 'the modern version is listed, so a dual-era client retries with it')
  t.match(http.response.error.message, /Unsupported protocol version "1900-01-01"/)

  const client = await RawClient.connect(t, server.wsUrl)
  const ws = await client.request('tools/list', { _meta: meta }, 8)
  t.equal(ws.error?.code, -32022, 'WebSocket: the same error')
  t.same((ws.error?.data as any)?.requested, UNKNOWN)
})

t.test('MCP-Protocol-Version 2026-07-28 with _meta naming 2025-11-25: HeaderMismatch (-32020, 400)', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: calculator }] })
  const meta = { ...modernEnvelope(), [META.protocolVersion]: LEGACY_VERSION }
  const answer = await rawPost(server.url, { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: meta } }, modernHeaders('tools/list'))
  t.equal(answer.status, 400)
  t.equal(answer.response.error.code, -32020)
  t.match(answer.response.error.message, /header value '2026-07-28' does not match body value '2025-11-25'/)
})

t.test('a "__proto__" or "constructor.prototype" key in valid JSON: -32602 naming the key (never -32700), both transports', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: calculator }] })
  const meta = JSON.stringify(modernEnvelope())
  const bodies: Array<[string, string, string]> = [
    ['arguments', `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calculate","arguments":{"expression":"1","__proto__":{"x":1}},"_meta":${meta}}}`, '__proto__'],
    ['params', `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"__proto__":{"x":1},"_meta":${meta}}}`, '__proto__'],
    ['_meta', `{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":${meta.slice(0, -1)},"constructor":{"prototype":{"x":1}}}}}`, 'constructor.prototype'],
    ['escaped', `{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"\\u005f_proto__":{"x":1},"_meta":${meta}}}`, '__proto__']
  ]
  const client = await RawClient.connect(t, server.wsUrl)
  for (const [where, body, key] of bodies) {
    const http = await rawPost(server.url, body, modernHeaders(body.includes('tools/call') ? 'tools/call' : 'tools/list', { name: 'calculate' }))
    t.equal(http.status, 400, `HTTP, in ${where}: 400`)
    t.equal(http.response.error.code, -32602, `HTTP, in ${where}: invalid params`)
    t.equal(http.response.id, JSON.parse(body.replace(/"\\u005f_proto__"/, '"p"')).id, 'for the request id')
    t.match(http.response.error.message, new RegExp(`"${key.replace('.', '\\.')}" key`), 'the message names the key')
    client.ws.send(body)
    const ws = await client.next((m) => m.error !== undefined && m.id === http.response.id)
    t.equal(ws.error?.code, -32602, `WebSocket, in ${where}: invalid params`)
  }
  t.equal(({} as Record<string, unknown>).x, undefined, 'no prototype was touched')
  const ok = await client.request('tools/list', { constructor: 'a plain key', _meta: modernEnvelope() })
  t.ok(Array.isArray(ok.result?.tools), 'a "constructor" key holding no "prototype" is an ordinary key')
})

t.test('PUT and PATCH: 405 with Allow and a JSON-RPC body; a DELETE\'s body and content type do not matter', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: calculator }] })
  for (const method of ['PUT', 'PATCH']) {
    const answer = await readAnswer(await fetch(server.url, { method, headers: { 'content-type': 'application/json' }, body: '{}' }))
    t.equal(answer.status, 405, `${method}: 405`)
    t.equal(answer.headers.get('allow'), 'GET, POST, DELETE')
    t.equal(answer.response?.jsonrpc, '2.0')
    t.equal(answer.response?.error?.code, -32600)
    t.match(answer.response?.error?.message, new RegExp(`Method Not Allowed: ${method} is not a method of the MCP endpoint`))
  }
  const noSession = await readAnswer(await fetch(server.url, { method: 'DELETE', headers: { 'content-type': 'application/json' } }))
  t.equal(noSession.status, 405, 'DELETE with Content-Type JSON and no body: 405 (no session id), not a parse error')
  t.equal(noSession.response?.error?.code, -32600)

  const session = await legacyInitialize(server.url)
  const withJunk = await fetch(server.url, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json', 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION },
    body: 'not json at all'
  })
  t.equal(withJunk.status, 200, 'a DELETE with a body that is not JSON still ends the session')
  const gone = await fetch(server.url, { method: 'DELETE', headers: { 'content-type': 'application/json', 'mcp-session-id': session } })
  t.equal(gone.status, 404, 'the session is gone')
})

t.test('WebSocket: 200 calls sent at once on one connection with the default cap of 100 all succeed', async (t) => {
  const probe = newProbe()
  const server = await startTestServer(t, { plugins: [{ plugin: calculator }, waitPlugin(probe)] })
  const client = await RawClient.connect(t, server.wsUrl)
  const meta = modernEnvelope()
  const answers = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    client.request('tools/call', { name: 'wait', arguments: { ms: 20, value: `v${i}` }, _meta: meta }, `c${i}`)))
  t.equal(answers.filter((a) => a.error !== undefined).length, 0, 'no errors')
  t.ok(answers.every((a, i) => a.result?.content[0].text === `v${i}`), 'every call has its own result')
})

t.test('WebSocket: only a flood far beyond the cap (past the backlog budget) is refused, with -32600', async (t) => {
  const probe = newProbe()
  const server = await startTestServer(t, { plugins: [waitPlugin(probe)], limits: { wsMaxInFlight: 1, wsMaxBacklogBytes: 1024 } })
  const client = await RawClient.connect(t, server.wsUrl)
  const meta = modernEnvelope()
  // 40 requests in one TCP write: the server reads them all at once, far more than 1 in flight + 1 KiB waiting.
  const frames = Array.from({ length: 40 }, (_, i) => Sender.frame(Buffer.from(JSON.stringify({
    jsonrpc: '2.0', id: `f${i}`, method: 'tools/call', params: { name: 'wait', arguments: { ms: 10, value: `v${i}` }, _meta: meta }
  })), { fin: true, rsv1: false, opcode: 1, mask: true, maskBuffer: randomBytes(4), readOnly: false })).flat()
  const answers = Array.from({ length: 40 }, (_, i) => client.response(`f${i}`))
  ;(client.ws as unknown as { _socket: { write (b: Buffer): void } })._socket.write(Buffer.concat(frames))
  const all: Message[] = await Promise.all(answers)
  const refused = all.filter((a) => a.error !== undefined)
  const served = all.filter((a) => a.result !== undefined)
  t.equal(refused.length + served.length, 40, 'every request is answered')
  t.ok(served.length >= 2, 'the first in flight and those that fit the backlog are served')
  t.ok(refused.length > 0, 'the rest of the flood is refused')
  t.ok(refused.every((a) => a.error?.code === -32600 && /too many requests at once/.test(a.error.message)), '-32600 saying what to do')
  t.same(refused[0].error?.data, { limit: 1, backlogBytes: 1024 })
})
