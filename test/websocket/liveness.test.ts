/**
 * Heartbeat and idle timeout: a connection that stops answering pings is
 * closed and everything it held is freed; a connection with no message and
 * nothing in flight for wsIdleTimeoutMs is closed with 1000.
 */
import t from 'tap'
import { MODERN_VERSION, modernEnvelope, startTestServer, until } from '@mcp-platform/server/testing'
import { newProbe, RawClient, waitPlugin } from './helpers.ts'

t.test('heartbeat: a client that stops answering pings is cut off, its session and calls freed', async (t) => {
  const probe = newProbe()
  const { app, wsUrl } = await startTestServer(t, { plugins: [waitPlugin(probe)], limits: { wsPingIntervalMs: 50, wsIdleTimeoutMs: 0 } })
  const core = app.mcpCore

  const healthy = await RawClient.connect(t, wsUrl)
  let pings = 0
  healthy.ws.on('ping', () => { pings++ })

  // `autoPong: false`: this client receives the pings but never answers them.
  const silent = await RawClient.connect(t, wsUrl, { autoPong: false })
  await silent.initialize()
  silent.sendJson({ jsonrpc: '2.0', id: 'stuck', method: 'tools/call', params: { name: 'wait', arguments: { ms: 60_000 } } })
  await until(() => probe.started === 1)
  t.equal([...core.sessions.local()].length, 1, 'the silent client has a session')
  t.equal(core.calls.size, 1, 'and a call in flight')

  const closed = await silent.closed
  t.equal(closed.code, 1006, 'the server drops the connection without a closing handshake')
  t.same(probe.aborted, ['no answer to ping'], 'its call was cancelled: the tool\'s signal fired')
  await until(() => core.calls.size === 0)
  t.equal([...core.sessions.local()].length, 0, 'its session was released')
  t.notOk(silent.messages.some((m) => m.id === 'stuck'), 'no answer for the cancelled call')

  await until(() => pings >= 3)
  t.equal(healthy.ws.readyState, 1, 'a client that answers pings stays connected')
  const answer = await healthy.request('server/discover', { _meta: modernEnvelope() })
  t.same(answer.result?.supportedVersions, [MODERN_VERSION], 'and is served')
})

t.test('idle timeout: no message and nothing in flight closes with 1000; a call in flight keeps it open', async (t) => {
  const probe = newProbe()
  const { wsUrl } = await startTestServer(t, { plugins: [waitPlugin(probe)], limits: { wsIdleTimeoutMs: 100, wsPingIntervalMs: 0 } })

  const quiet = await RawClient.connect(t, wsUrl)
  const closed = await quiet.closed
  t.same(closed, { code: 1000, reason: 'idle timeout' })

  const busy = await RawClient.connect(t, wsUrl)
  await busy.initialize()
  const answer = await busy.request('tools/call', { name: 'wait', arguments: { ms: 300, value: 'done' } })
  t.equal(answer.result?.content[0].text, 'done', 'a call longer than the idle timeout is answered')
  t.equal(busy.ws.readyState, 1, 'the connection was not closed while the call ran')
  t.same(await busy.closed, { code: 1000, reason: 'idle timeout' }, 'it is closed once idle')
})
