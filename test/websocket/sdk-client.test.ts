/**
 * The official client (`WebSocketClientTransport` of @modelcontextprotocol/sdk
 * v1) against the real server over a real port: it offers the `mcp`
 * subprotocol and speaks the legacy era (initialize once, the connection is
 * the session).
 */
import t from 'tap'
import WebSocket from 'ws'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js'
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import calculator from '../../plugins/calculator/src/index.ts'
import conformance from '../fixtures/conformance/index.ts'
import { startTestServer, until } from '@mcp-platform/server/testing'
import { newProbe, waitPlugin } from './helpers.ts'

// Node 20 has no global WebSocket, which the SDK transport uses: the `ws`
// package's WebSocket implements the same browser API (onopen, onmessage with
// string data for text frames, send, close), so it stands in for it here.
// `allowSynchronousEvents: false` makes it deliver each message in its own
// task, as browsers and Node's built-in WebSocket do: the SDK v1 client runs
// notification handlers a microtask later but responses at once, so with
// several frames in one tick (ws's default) the last progress notification
// before a result would reach a handler already removed.
class BrowserLikeWebSocket extends WebSocket {
  constructor (url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { allowSynchronousEvents: false })
  }
}
;(globalThis as { WebSocket?: unknown }).WebSocket = BrowserLikeWebSocket

const probe = newProbe()

async function connect (url: string, capabilities: Record<string, unknown> = {}): Promise<Client> {
  const client = new Client({ name: 'ws-sdk-test', version: '1.0.0' }, { capabilities })
  await client.connect(new WebSocketClientTransport(new URL(url)))
  return client
}

/** Closes and waits for the closing handshake to finish (`close()` itself does not wait). */
async function disconnect (client: Client): Promise<void> {
  const closed = new Promise<void>((resolve) => { client.onclose = resolve })
  await client.close()
  await closed
}

t.test('the SDK WebSocket client', async (t) => {
  const { url, wsUrl } = await startTestServer(t, {
    plugins: [{ plugin: calculator }, { plugin: conformance }, waitPlugin(probe)]
  })

  t.test('initializes, lists tools and calls calculate', async (t) => {
    const client = await connect(wsUrl)
    t.teardown(() => disconnect(client))
    t.equal(client.getServerVersion()?.name, 'mcp-platform', 'server info from initialize')
    t.ok(client.getServerCapabilities()?.tools, 'tools capability')
    const { tools } = await client.listTools()
    const names = tools.map((tool) => tool.name)
    t.ok(names.includes('calculate') && names.includes('wait') && names.includes('test_elicitation'), 'every plugin\'s tools are listed')
    const result = await client.callTool({ name: 'calculate', arguments: { expression: '2 * (3 + 4) ^ 2' } })
    t.same(result.structuredContent, { result: 98 })
    t.same(result.content, [{ type: 'text', text: '98' }])
    const error = await client.callTool({ name: 'calculate', arguments: { expression: '1 / (' } })
    t.equal(error.isError, true, 'a calculation error is a tool error result')
  })

  t.test('progress notifications reach onprogress', async (t) => {
    const client = await connect(wsUrl)
    t.teardown(() => disconnect(client))
    const seen: Array<{ progress: number, total?: number }> = []
    const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
      onprogress: (progress) => { seen.push({ progress: progress.progress, total: progress.total }) }
    })
    t.same(result.content, [{ type: 'text', text: 'Progress test completed' }])
    t.same(seen, [{ progress: 0, total: 100 }, { progress: 50, total: 100 }, { progress: 100, total: 100 }])
  })

  t.test('log notifications arrive after logging/setLevel', async (t) => {
    const client = await connect(wsUrl)
    t.teardown(() => disconnect(client))
    const logs: unknown[] = []
    client.fallbackNotificationHandler = async (notification) => {
      if (notification.method === 'notifications/message') logs.push(notification.params?.data)
    }
    await client.setLoggingLevel('info')
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} })
    t.same(logs, ['Tool execution started', 'Tool processing data', 'Tool execution completed'])
  })

  t.test('an aborted request sends notifications/cancelled and the tool\'s signal fires', async (t) => {
    const client = await connect(wsUrl)
    t.teardown(() => disconnect(client))
    const controller = new AbortController()
    const before = probe.aborted.length
    const started = probe.started
    const call = client.callTool({ name: 'wait', arguments: { ms: 60_000 } }, undefined, { signal: controller.signal })
    await until(() => probe.started > started)
    controller.abort('user pressed stop')
    await t.rejects(call, 'the client gives up on the request')
    await until(() => probe.aborted.length > before)
    t.match(probe.aborted[before], /user pressed stop/, 'the server-side handler saw its signal abort, with the client\'s reason')
    // The connection stays usable.
    const result = await client.callTool({ name: 'calculate', arguments: { expression: '1 + 1' } })
    t.same(result.structuredContent, { result: 2 })
  })

  t.test('elicitation travels on the socket and the answer is matched back', async (t) => {
    const client = await connect(wsUrl, { elicitation: {} })
    t.teardown(() => disconnect(client))
    let asked: string | undefined
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked = request.params.message
      return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } }
    })
    const result = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } })
    t.equal(asked, 'Who are you?')
    t.same(result.content, [{ type: 'text', text: 'User response: action=accept, content={"username":"ada","email":"ada@example.com"}' }])
  })

  t.test('a tool registered after start sends notifications/tools/list_changed', async (t) => {
    const client = await connect(wsUrl)
    t.teardown(() => disconnect(client))
    const changed = new Promise<void>((resolve) => {
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => resolve())
    })
    const registration = probe.mcp!.tool({ name: 'late_tool', description: 'Added after start', handler: () => 'late' })
    t.teardown(() => registration.remove())
    await changed
    const { tools } = await client.listTools()
    t.ok(tools.some((tool) => tool.name === 'late_tool'), 'the new tool is listed')
    const result = await client.callTool({ name: 'late_tool', arguments: {} })
    t.same(result.content, [{ type: 'text', text: 'late' }])
  })

  t.test('HTTP and WebSocket clients at the same time see the same tools and results', async (t) => {
    const ws = await connect(wsUrl)
    const http = new Client({ name: 'http-sdk-test', version: '1.0.0' })
    await http.connect(new StreamableHTTPClientTransport(url))
    t.teardown(async () => { await disconnect(ws); await http.close() })
    const [wsTools, httpTools] = await Promise.all([ws.listTools(), http.listTools()])
    t.same(wsTools.tools, httpTools.tools, 'identical tool lists')
    const expressions = ['sqrt(2) * pi', '2^10 - 1', 'max(3, 9, 4) % 5', '-2^2', 'round(-2.5)']
    const [fromWs, fromHttp] = await Promise.all([
      Promise.all(expressions.map((expression) => ws.callTool({ name: 'calculate', arguments: { expression } }))),
      Promise.all(expressions.map((expression) => http.callTool({ name: 'calculate', arguments: { expression } })))
    ])
    t.same(fromWs, fromHttp, 'identical results')
    t.same(fromWs.map((r) => (r.structuredContent as { result: number }).result), [Math.SQRT2 * Math.PI, 1023, 4, -4, -3])
  })
})
