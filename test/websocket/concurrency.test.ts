/**
 * Many requests in flight on one socket, answered as they finish, and the
 * per-connection cap: over it, a JSON-RPC error for that request id.
 */
import t from 'tap'
import calculator from '../../plugins/calculator/src/index.ts'
import { modernEnvelope, startTestServer, until } from '@mcp-platform/server/testing'
import { newProbe, RawClient, waitPlugin, type Message } from './helpers.ts'

t.test('200 calls in flight on one socket, answered out of order and matched by id', async (t) => {
  const probe = newProbe()
  const { wsUrl } = await startTestServer(t, { plugins: [{ plugin: calculator }, waitPlugin(probe)], limits: { wsMaxInFlight: 250 } })
  const client = await RawClient.connect(t, wsUrl)
  await client.initialize()

  // Five slow calls first, then 195 calculations, all sent before any answer is read.
  const slow = [0, 1, 2, 3, 4].map((i) => client.request('tools/call', { name: 'wait', arguments: { ms: 150, value: `slow-${i}` } }, `slow-${i}`))
  const fast = Array.from({ length: 195 }, (_, i) =>
    client.request('tools/call', { name: 'calculate', arguments: { expression: `${i} * 3 + 1` } }, `calc-${i}`))
  const fastAnswers = await Promise.all(fast)
  const slowAnswers = await Promise.all(slow)

  t.equal(fastAnswers.length + slowAnswers.length, 200)
  t.ok(fastAnswers.every((answer, i) => answer.id === `calc-${i}` && answer.result?.structuredContent.result === i * 3 + 1),
    'every calculation has its own result, matched by id')
  t.ok(slowAnswers.every((answer, i) => answer.result?.content[0].text === `slow-${i}`), 'the slow calls answer too')
  const order = client.messages.filter((m) => typeof m.id === 'string').map((m) => m.id)
  const firstSlow = order.findIndex((id) => typeof id === 'string' && id.startsWith('slow-'))
  t.equal(firstSlow, 195, 'requests sent first but finishing last are answered last: no head-of-line blocking')
  t.equal(new Set(order).size, 200, 'one answer per request')
})

t.test('the in-flight cap answers extra requests with an error and frees slots as calls end', async (t) => {
  const probe = newProbe()
  const { wsUrl } = await startTestServer(t, { plugins: [{ plugin: calculator }, waitPlugin(probe)], limits: { wsMaxInFlight: 5 } })
  const client = await RawClient.connect(t, wsUrl)
  await client.initialize()

  for (let i = 0; i < 4; i++) client.sendJson({ jsonrpc: '2.0', id: `long-${i}`, method: 'tools/call', params: { name: 'wait', arguments: { ms: 60_000 } } })
  const short = client.request('tools/call', { name: 'wait', arguments: { ms: 100, value: 'short' } }, 'short')
  const refused = await client.request('tools/call', { name: 'calculate', arguments: { expression: '1 + 1' } }, 'sixth')
  t.equal(refused.error?.code, -32603, 'over the cap: -32603 for that request id')
  t.equal(refused.error?.message, 'Too many requests in flight on this connection (limit 5): wait for answers before sending more')
  t.same(refused.error?.data, { limit: 5 })

  t.equal((await short).result?.content[0].text, 'short', 'requests under the cap are served')
  const freed = await client.request('tools/call', { name: 'calculate', arguments: { expression: '2 + 2' } }, 'after-short')
  t.same(freed.result?.structuredContent, { result: 4 }, 'an answered request frees its slot')

  // Cancelled calls free their slots too (and get no answer).
  for (let i = 0; i < 4; i++) client.notify('notifications/cancelled', { requestId: `long-${i}`, reason: 'enough' })
  await until(() => probe.aborted.length === 4)
  const batch = await Promise.all([0, 1, 2, 3, 4].map((i) =>
    client.request('tools/call', { name: 'calculate', arguments: { expression: `${i} + 10` } }, `after-cancel-${i}`)))
  t.same(batch.map((m: Message) => m.result?.structuredContent.result), [10, 11, 12, 13, 14], 'all five slots are free again')
  t.same(client.messages.filter((m) => typeof m.id === 'string' && m.id.startsWith('long-')), [], 'cancelled requests are never answered')
})

t.test('modern requests count against the same cap', async (t) => {
  const probe = newProbe()
  const { wsUrl } = await startTestServer(t, { plugins: [waitPlugin(probe)], limits: { wsMaxInFlight: 2 } })
  const client = await RawClient.connect(t, wsUrl)
  for (let i = 0; i < 2; i++) client.sendJson({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'wait', arguments: { ms: 60_000 }, _meta: modernEnvelope() } })
  const refused = await client.request('server/discover', { _meta: modernEnvelope() }, 2)
  t.equal(refused.error?.code, -32603)
  t.match(refused.error?.message, /limit 2/)
})
