/**
 * Session budgets, reproduced at a small scale with low limits: one client
 * cannot take every slot, sessions count once whatever the transport, what
 * a session keeps has a size cap, and a client that only listens keeps its
 * session. Two clients are two loopback addresses (127.0.0.1 and 127.0.0.2).
 */
import t from 'tap'
import { Agent } from 'undici'
import { legacyInitialize, legacyRequest, LEGACY_VERSION, rawPost, startTestServer } from '@mcp-platform/server/testing'

const initialize = (clientInfo: unknown = { name: 'c', version: '1' }) =>
  ({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo } })

t.test('one client opening sessions in a loop evicts its own oldest idle ones; another client still gets in', async (t) => {
  const server = await startTestServer(t, { limits: { maxSessions: 10, maxSessionsPerClient: 3 } })
  const ids: string[] = []
  for (let i = 0; i < 50; i++) ids.push(await legacyInitialize(server.url))
  t.equal(ids.length, 50, 'every initialize of the greedy client succeeded (its own old sessions made room)')
  t.equal((await legacyRequest(server.url, ids[0], 'ping')).status, 404, 'its oldest session was evicted')
  t.equal((await legacyRequest(server.url, ids[49], 'ping')).status, 200, 'its newest works')
  t.ok([...server.app.mcpCore.sessions.local()].length <= 3, 'it holds no more than its quota')

  const other = new Agent({ localAddress: '127.0.0.2' })
  t.teardown(() => other.close())
  const answer = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(initialize()),
    dispatcher: other
  } as RequestInit)
  t.equal(answer.status, 200, 'a second client initializes fine')
  t.ok(answer.headers.get('mcp-session-id'))
})

t.test('what a session keeps is capped: a 1 MB clientInfo is refused with its size, and no session is made', async (t) => {
  const server = await startTestServer(t)
  const refused = await rawPost(server.url, initialize({ name: 'x'.repeat(1_000_000), version: '1' }))
  t.equal(refused.status, 200)
  t.equal(refused.response.error.code, -32602)
  t.match(refused.response.error.message, /"clientInfo" is 10000\d\d bytes; this server keeps at most 4096/)
  t.equal(refused.headers.get('mcp-session-id'), null)
  t.equal([...server.app.mcpCore.sessions.local()].length, 0)
  const capabilities = await rawPost(server.url, { ...initialize(), params: { ...initialize().params, capabilities: { blob: 'y'.repeat(20_000) } } })
  t.match(capabilities.response.error.message, /"capabilities" is \d+ bytes; this server keeps at most 16384/)
})

t.test('resources/subscribe keeps a bounded number of bounded URIs', async (t) => {
  const server = await startTestServer(t, { limits: { maxSubscriptionsPerSession: 2, maxUriLength: 64 } })
  const id = await legacyInitialize(server.url)
  t.same((await legacyRequest(server.url, id, 'resources/subscribe', { uri: 'a://1' })).response.result, {})
  t.same((await legacyRequest(server.url, id, 'resources/subscribe', { uri: 'a://2' })).response.result, {})
  t.same((await legacyRequest(server.url, id, 'resources/subscribe', { uri: 'a://1' })).response.result, {}, 'subscribing again to the same URI is fine')
  const third = await legacyRequest(server.url, id, 'resources/subscribe', { uri: 'a://3' })
  t.match(third.response.error.message, /already subscribes to 2 resources, the most it may/)
  const long = await legacyRequest(server.url, id, 'resources/subscribe', { uri: `a://${'z'.repeat(100)}` })
  t.match(long.response.error.message, /"uri" is 104 bytes; this server keeps at most 64/)
})

t.test('sessions count once whatever the transport: WebSocket sessions fill the cap too, and free it on close', async (t) => {
  const server = await startTestServer(t, { limits: { maxSessions: 2 } })
  const sockets: WebSocket[] = []
  for (let i = 0; i < 2; i++) {
    const ws = new WebSocket(server.wsUrl, 'mcp')
    sockets.push(ws)
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject })
    const answered = new Promise<any>((resolve) => { ws.onmessage = (event) => resolve(JSON.parse(String(event.data))) })
    ws.send(JSON.stringify(initialize()))
    t.equal((await answered).result?.protocolVersion, LEGACY_VERSION, `WebSocket session ${i + 1}`)
  }
  const third = new WebSocket(server.wsUrl, 'mcp')
  await new Promise((resolve, reject) => { third.onopen = resolve; third.onerror = reject })
  const refusedWs = new Promise<any>((resolve) => { third.onmessage = (event) => resolve(JSON.parse(String(event.data))) })
  third.send(JSON.stringify(initialize()))
  const wsAnswer = await refusedWs
  t.equal(wsAnswer.error?.code, -32603, 'a third WebSocket session is refused')
  t.ok(wsAnswer.error?.data?.retryAfterMs >= 1000, 'with when to retry')
  third.close()

  const refused = await rawPost(server.url, initialize())
  t.equal(refused.status, 503, 'so is an HTTP one')
  t.match(refused.headers.get('retry-after'), /^\d+$/)

  const closed = new Promise((resolve) => { sockets[0].onclose = resolve })
  sockets[0].close()
  await closed
  let fits = await rawPost(server.url, initialize())
  for (let i = 0; i < 50 && fits.status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    fits = await rawPost(server.url, initialize())
  }
  t.equal(fits.status, 200, 'a closed socket gave its place back')
  sockets[1].close()
})

t.test('a client that only listens keeps its session: an open GET stream holds it past the idle limit', async (t) => {
  const server = await startTestServer(t, { limits: { sessionIdleMs: 1000, sessionUnconfirmedIdleMs: 1000, sseKeepAliveMs: 200 } })
  const listening = await legacyInitialize(server.url)
  const idle = await legacyInitialize(server.url)
  const stream = new AbortController()
  const opened = await fetch(server.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': listening, 'mcp-protocol-version': LEGACY_VERSION }, signal: stream.signal })
  t.equal(opened.status, 200)
  await new Promise((resolve) => setTimeout(resolve, 1600))
  t.equal((await legacyRequest(server.url, idle, 'ping')).status, 404, 'the idle session expired')
  t.equal((await legacyRequest(server.url, listening, 'ping')).status, 200, 'the listening one did not')
  stream.abort()
})
