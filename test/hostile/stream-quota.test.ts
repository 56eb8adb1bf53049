/**
 * Long-lived connections are counted per client and in total, whatever
 * their kind (listen streams, GET streams, WebSocket connections): one
 * client cannot hold every file descriptor, and /health still answers.
 */
import t from 'tap'
import { Agent } from 'undici'
import { LEGACY_VERSION, modernEnvelope, modernHeaders, startTestServer } from '@mcp-platform/server/testing'

t.test('a client at its stream quota is refused with a retryable answer; others and /health are not', async (t) => {
  const server = await startTestServer(t, { limits: { maxStreamsPerClient: 3, maxStreams: 5 } })
  const listen = (signal: AbortSignal) => fetch(server.url, {
    method: 'POST',
    headers: modernHeaders('subscriptions/listen'),
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: modernEnvelope() } }),
    signal
  })
  const streams = Array.from({ length: 3 }, () => new AbortController())
  t.teardown(() => { for (const stream of streams) stream.abort() })
  for (const stream of streams) t.equal((await listen(stream.signal)).status, 200, 'a listen stream opens')

  const refused = await listen(new AbortController().signal)
  t.equal(refused.status, 503, 'the fourth of one client is refused')
  t.match(refused.headers.get('retry-after'), /^\d+$/)
  t.match(((await refused.json()) as { error: { message: string } }).error.message, /already holds 3 open streams or sockets/)

  const ws = new WebSocket(server.wsUrl, 'mcp')
  const closed = await new Promise<CloseEvent>((resolve) => { ws.onclose = resolve })
  t.equal(closed.code, 1013, 'a WebSocket of the same client: 1013 Try Again Later')

  const other = new Agent({ localAddress: '127.0.0.2' })
  t.teardown(() => other.close())
  const init = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'b', version: '1' } } }),
    dispatcher: other
  } as RequestInit)
  const session = init.headers.get('mcp-session-id') as string
  const elsewhere = new AbortController()
  t.teardown(() => elsewhere.abort())
  const get = await fetch(server.url, {
    headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION },
    dispatcher: other,
    signal: elsewhere.signal
  } as RequestInit)
  t.equal(get.status, 200, 'another client still opens a stream', { body: get.status === 200 ? '' : await get.text(), init: init.status })
  t.equal((await fetch(new URL('/health', server.url))).status, 200, '/health answers')

  streams[0].abort()
  let again = await listen(new AbortController().signal)
  for (let i = 0; i < 50 && again.status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    again = await listen(new AbortController().signal)
  }
  t.equal(again.status, 200, 'a closed stream gives its place back')
})
