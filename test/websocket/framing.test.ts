/**
 * Framing and bad input, with a raw `ws` client: every bad frame gets a
 * JSON-RPC error frame (or the close code the binding documents), never a
 * crash, and the connection goes on serving. Also the handshake: subprotocol,
 * Origin check, and the shared path with Streamable HTTP.
 */
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import calculator from '../../plugins/calculator/src/index.ts'
import { LEGACY_VERSION, modernEnvelope, modernHeaders, startTestServer } from '@mcp-platform/server/testing'
import { RawClient } from './helpers.ts'

t.test('framing and bad input', async (t) => {
  const { wsUrl, url } = await startTestServer(t, {
    plugins: [{ plugin: calculator }],
    limits: { wsMaxMessageBytes: 4096 }
  })

  /** The connection still answers after a bad frame. */
  const stillServes = async (t: Test, client: RawClient) => {
    const answer = await client.request('tools/call', { name: 'calculate', arguments: { expression: '6 * 7' }, _meta: modernEnvelope() })
    t.same(answer.result?.structuredContent, { result: 42 }, 'the connection still serves requests')
  }

  t.test('a binary frame gets an error frame with id null', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    client.ws.send(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })), { binary: true })
    const error = await client.next((m) => m.error !== undefined)
    t.equal(error.id, null)
    t.equal(error.error?.code, -32600)
    t.match(error.error?.message, /binary frames are not supported/)
    await stillServes(t, client)
  })

  t.test('a frame that is not JSON gets -32700 with id null', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    client.ws.send('{"jsonrpc": "2.0", "id": 1, "method": ')
    const error = await client.next((m) => m.error !== undefined)
    t.equal(error.id, null)
    t.equal(error.error?.code, -32700)
    t.match(error.error?.message, /Parse error/)
    await stillServes(t, client)
  })

  t.test('a batch gets -32600 with id null', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    client.sendJson([{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'ping' }])
    const error = await client.next((m) => m.error !== undefined)
    t.equal(error.id, null)
    t.equal(error.error?.code, -32600)
    t.match(error.error?.message, /batches are not supported/)
    await stillServes(t, client)
  })

  t.test('an invalid envelope is answered with its id', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    client.sendJson({ jsonrpc: '1.0', id: 'x', method: 'ping' })
    const error = await client.response('x')
    t.equal(error.error?.code, -32600)
    t.match(error.error?.message, /"jsonrpc" must be "2.0"/)
    await stillServes(t, client)
  })

  t.test('an unknown method gets -32601, in both eras', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    const modern = await client.request('tools/frobnicate', { _meta: modernEnvelope() })
    t.equal(modern.error?.code, -32601)
    await client.initialize()
    const legacy = await client.request('tools/frobnicate')
    t.equal(legacy.error?.code, -32601)
    t.match(legacy.error?.message, /Method not found/)
  })

  t.test('invalid arguments: a tool error result, or -32602 for a malformed call', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    const wrongType = await client.request('tools/call', { name: 'calculate', arguments: { expression: 5 }, _meta: modernEnvelope() })
    t.equal(wrongType.result?.isError, true, 'schema violations are tool errors the model can read')
    t.match(wrongType.result?.content[0].text, /Invalid arguments for tool "calculate"/)
    const notObject = await client.request('tools/call', { name: 'calculate', arguments: 'oops', _meta: modernEnvelope() })
    t.equal(notObject.error?.code, -32602)
    const unknown = await client.request('tools/call', { name: 'nope', arguments: {}, _meta: modernEnvelope() })
    t.equal(unknown.error?.code, -32602)
    t.match(unknown.error?.message, /Unknown tool/)
  })

  t.test('a legacy request before initialize is refused, the connection stays open', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    const refused = await client.request('tools/list')
    t.equal(refused.error?.code, -32600)
    t.match(refused.error?.message, /Send "initialize" first/)
    const init = await client.initialize()
    t.equal(init.result?.protocolVersion, LEGACY_VERSION)
    const again = await client.request('initialize', { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'x', version: '1' } })
    t.match(again.error?.message, /already initialized/, 'one session per connection')
    const tools = await client.request('tools/list')
    t.ok(tools.result?.tools.some((tool: { name: string }) => tool.name === 'calculate'))
  })

  t.test('a request id already in flight is refused', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    await client.initialize()
    // Two requests with one id in one go: the second is refused while the first runs.
    client.sendJson({ jsonrpc: '2.0', id: 'dup', method: 'tools/call', params: { name: 'calculate', arguments: { expression: '1 + 1' } } })
    client.sendJson({ jsonrpc: '2.0', id: 'dup', method: 'tools/call', params: { name: 'calculate', arguments: { expression: '2 + 2' } } })
    await client.next((m) => m.id === 'dup' && m.result !== undefined)
    const answers = () => client.messages.filter((m) => m.id === 'dup')
    await client.next((m) => m.id === 'dup' && m.error !== undefined)
    t.equal(answers().length, 2)
    t.same(answers().find((m) => m.result !== undefined)?.result.structuredContent, { result: 2 }, 'the first is served')
    t.match(answers().find((m) => m.error !== undefined)?.error?.message, /already used by a request in flight/)
  })

  t.test('a response to no pending request is ignored', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    client.sendJson({ jsonrpc: '2.0', id: 's-99', result: {} })
    await stillServes(t, client)
    t.equal(client.messages.length, 1, 'nothing but the answer to the next request')
  })

  t.test('a message over wsMaxMessageBytes closes the socket with 1009', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    client.sendJson({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'calculate', arguments: { expression: '1+'.repeat(2500) + '1' }, _meta: modernEnvelope() } })
    const closed = await client.closed
    t.equal(closed.code, 1009)
    // The server is fine: a new connection is served.
    await stillServes(t, await RawClient.connect(t, wsUrl))
  })

  t.test('a text frame that is not UTF-8 closes the socket with 1007', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    const closed = await client.closed
    t.equal(closed.code, 1007)
    await stillServes(t, await RawClient.connect(t, wsUrl))
  })

  t.test('subprotocol: mcp is selected; none is accepted; only others are refused', async (t) => {
    const offered = await RawClient.connect(t, wsUrl, { protocols: ['foo', 'mcp'] })
    t.equal(offered.ws.protocol, 'mcp', 'the server selects mcp')
    const none = await RawClient.connect(t, wsUrl, { protocols: [] })
    t.equal(none.ws.protocol, '', 'a client offering no subprotocol is accepted without one')
    await stillServes(t, none)
    t.equal(await refusal(RawClient.connect(t, wsUrl, { protocols: ['graphql-ws'] })), 400, 'a client that wants another protocol is refused')
  })

  t.test('the Origin check applies to the upgrade', async (t) => {
    t.equal(await refusal(RawClient.connect(t, wsUrl, { origin: 'https://evil.example' })), 403, 'a foreign Origin gets 403')
    t.equal(await refusal(RawClient.connect(t, wsUrl, { headers: { host: 'rebind.example:80' } })), 403, 'a foreign Host gets 403')
    const local = await RawClient.connect(t, wsUrl, { origin: 'http://localhost:5173' })
    await stillServes(t, local)
  })

  t.test('HTTP on the same path is untouched', async (t) => {
    const get = await fetch(url)
    t.equal(get.status, 405, 'a plain GET still goes to the HTTP transport')
    const params = { name: 'calculate', arguments: { expression: '6 * 7' } }
    const post = await fetch(url, {
      method: 'POST',
      headers: modernHeaders('tools/call', params),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { ...params, _meta: modernEnvelope() } })
    })
    t.equal(post.status, 200)
    t.same(((await post.json()) as { result: { structuredContent: unknown } }).result.structuredContent, { result: 42 })
    // An upgrade on another path is not ours.
    const other = new WebSocket(wsUrl.replace('/mcp', '/elsewhere'), 'mcp')
    other.on('error', () => {})
    const status = await new Promise<number | undefined>((resolve) => {
      other.once('unexpected-response', (_req, res) => resolve(res.statusCode))
      other.once('open', () => resolve(undefined))
    })
    t.equal(status, 404)
  })
})

/** The HTTP status an upgrade was refused with. */
async function refusal (connecting: Promise<unknown>): Promise<number | undefined> {
  try {
    await connecting
    return undefined
  } catch (error) {
    return (error as { statusCode?: number }).statusCode
  }
}
