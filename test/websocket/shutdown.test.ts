/**
 * Shutdown: `app.close()` lets calls in flight finish (up to the drain
 * period), refuses new requests meanwhile, ends subscriptions with their
 * final response, then closes every socket with 1001. Each test closes the
 * app itself; the kit's close at teardown then has nothing left to do.
 */
import t from 'tap'
import calculator from '../../plugins/calculator/src/index.ts'
import { META, modernEnvelope, startTestServer, until } from '@mcp-platform/server/testing'
import { newProbe, RawClient, waitPlugin } from './helpers.ts'

t.test('open sockets get 1001 after the call in flight finishes', async (t) => {
  const probe = newProbe()
  const { app, wsUrl } = await startTestServer(t, { plugins: [{ plugin: calculator }, waitPlugin(probe)] })
  const busy = await RawClient.connect(t, wsUrl)
  const idle = await RawClient.connect(t, wsUrl)
  const listener = await RawClient.connect(t, wsUrl)
  await busy.initialize()
  listener.sendJson({ jsonrpc: '2.0', id: 'sub', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: modernEnvelope() } })
  await listener.next((m) => m.method === 'notifications/subscriptions/acknowledged')

  const answer = busy.request('tools/call', { name: 'wait', arguments: { ms: 300, value: 'finished' } }, 'work')
  await until(() => probe.started === 1)
  const closing = app.close()

  await until(() => app.mcpCore.closing)
  const refused = await busy.request('tools/call', { name: 'calculate', arguments: { expression: '1 + 1' } }, 'late')
  t.equal(refused.error?.code, -32603, 'a new request during the drain is refused')
  t.match(refused.error?.message, /shutting down/)

  const closed = await busy.closed
  t.equal((await answer).result?.content[0].text, 'finished', 'the call in flight finished and was answered')
  t.ok(busy.messages.findIndex((m) => m.id === 'work') >= 0, 'its answer arrived before the close')
  t.same(closed, { code: 1001, reason: 'server shutting down' })
  t.same(await idle.closed, { code: 1001, reason: 'server shutting down' }, 'idle connections too')

  const final = listener.messages.find((m) => m.id === 'sub')
  t.same(final?.result?._meta?.[META.subscriptionId], 'sub', 'the listen ended with its final response')
  t.same(await listener.closed, { code: 1001, reason: 'server shutting down' })
  t.same(probe.aborted, [], 'nothing was aborted')
  await closing
})

t.test('after the drain period calls are aborted, answered, then sockets close with 1001', async (t) => {
  const probe = newProbe()
  const { app, wsUrl } = await startTestServer(t, { plugins: [waitPlugin(probe)], limits: { shutdownDrainMs: 100 } })
  const client = await RawClient.connect(t, wsUrl)
  await client.initialize()
  const answer = client.request('tools/call', { name: 'wait', arguments: { ms: 60_000 } }, 'long')
  await until(() => probe.started === 1)
  const closing = app.close()
  const closed = await client.closed
  const result = await answer
  t.equal(result.result?.isError, true)
  t.match(result.result?.content[0].text, /was cancelled \(the server is shutting down\)/, 'the aborted call is answered')
  t.same(probe.aborted, ['the server is shutting down'], 'the tool\'s signal fired')
  t.same(closed, { code: 1001, reason: 'server shutting down' })
  await closing
})
