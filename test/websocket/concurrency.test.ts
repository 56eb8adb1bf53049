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

t.test('at the in-flight cap the server stops reading; requests wait their turn and none is refused', async (t) => {
  const probe = newProbe()
  const { wsUrl } = await startTestServer(t, { plugins: [{ plugin: calculator }, waitPlugin(probe)], limits: { wsMaxInFlight: 5 } })
  const client = await RawClient.connect(t, wsUrl)
  await client.initialize()

  for (let i = 0; i < 4; i++) client.sendJson({ jsonrpc: '2.0', id: `long-${i}`, method: 'tools/call', params: { name: 'wait', arguments: { ms: 60_000 } } })
  const short = client.request('tools/call', { name: 'wait', arguments: { ms: 100, value: 'short' } }, 'short')
  const sixth = client.request('tools/call', { name: 'calculate', arguments: { expression: '1 + 1' } }, 'sixth')
  const first = await Promise.race([short.then(() => 'short'), sixth.then(() => 'sixth')])
  t.equal(first, 'short', 'the sixth request waits for a free slot: it is answered only after the short call ends')
  t.same((await sixth).result?.structuredContent, { result: 2 }, 'then it is served, not refused')

  // Cancelled calls free their slots too (and get no answer).
  for (let i = 0; i < 4; i++) client.notify('notifications/cancelled', { requestId: `long-${i}`, reason: 'enough' })
  await until(() => probe.aborted.length === 4)
  const batch = await Promise.all([0, 1, 2, 3, 4].map((i) =>
    client.request('tools/call', { name: 'calculate', arguments: { expression: `${i} + 10` } }, `after-cancel-${i}`)))
  t.same(batch.map((m: Message) => m.result?.structuredContent.result), [10, 11, 12, 13, 14], 'all five slots are free again')
  t.same(client.messages.filter((m) => typeof m.id === 'string' && m.id.startsWith('long-')), [], 'cancelled requests are never answered')
})

t.test('a request waiting behind the cap can be cancelled: it is never run nor answered', async (t) => {
  const probe = newProbe()
  const { wsUrl } = await startTestServer(t, { plugins: [waitPlugin(probe)], limits: { wsMaxInFlight: 1 } })
  const client = await RawClient.connect(t, wsUrl)
  const meta = modernEnvelope()
  const long = client.request('tools/call', { name: 'wait', arguments: { ms: 300, value: 'long' }, _meta: meta }, 'long')
  client.sendJson({ jsonrpc: '2.0', id: 'queued', method: 'tools/call', params: { name: 'wait', arguments: { ms: 0, value: 'queued' }, _meta: meta } })
  client.notify('notifications/cancelled', { requestId: 'queued', reason: 'changed my mind' })
  t.equal((await long).result?.content[0].text, 'long')
  const after = await client.request('tools/call', { name: 'wait', arguments: { ms: 0, value: 'after' }, _meta: meta }, 'after')
  t.equal(after.result?.content[0].text, 'after')
  t.equal(probe.started, 2, 'the cancelled request never ran')
  t.same(client.messages.filter((m) => m.id === 'queued'), [], 'and got no answer')
})

t.test('modern requests count against the same cap (and wait behind it)', async (t) => {
  const probe = newProbe()
  const { wsUrl } = await startTestServer(t, { plugins: [waitPlugin(probe)], limits: { wsMaxInFlight: 2 } })
  const client = await RawClient.connect(t, wsUrl)
  const first = [0, 1].map((i) => client.request('tools/call', { name: 'wait', arguments: { ms: 200, value: `w${i}` }, _meta: modernEnvelope() }, i))
  const discover = client.request('server/discover', { _meta: modernEnvelope() }, 2)
  const order: string[] = []
  await Promise.all([...first.map(async (p) => { await p; order.push('wait') }), discover.then(() => order.push('discover'))])
  t.equal(order[0], 'wait', 'discover was answered only after a slot freed')
  t.type((await discover).result, 'object', 'discover answered with a result')
})
