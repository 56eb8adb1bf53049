/**
 * Both protocol eras on the WebSocket: modern requests carry `_meta` and need
 * no session (server/discover, subscriptions/listen, cancellation of a
 * listen); legacy ones initialize once and the connection is the session
 * (resource subscriptions, sampling round trip, cancellation).
 */
import t from 'tap'
import calculator from '../../plugins/calculator/src/index.ts'
import conformance from '../fixtures/conformance/index.ts'
import { META, MODERN_VERSION, modernEnvelope, startTestServer, until } from '@mcp-platform/server/testing'
import { INITIALIZE, newProbe, RawClient, waitPlugin } from './helpers.ts'

t.test('both eras', async (t) => {
  const probe = newProbe()
  const { wsUrl } = await startTestServer(t, { plugins: [{ plugin: calculator }, { plugin: conformance }, waitPlugin(probe)] })

  t.test('modern: server/discover and tools/call with _meta, no initialize', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    const discover = await client.request('server/discover', { _meta: modernEnvelope() })
    t.same(discover.result?.supportedVersions, [MODERN_VERSION])
    t.ok(discover.result?.capabilities.tools)
    const call = await client.request('tools/call', { name: 'calculate', arguments: { expression: '2 + 3' }, _meta: modernEnvelope() })
    t.same(call.result?.structuredContent, { result: 5 })
    t.equal(call.result?.resultType, 'complete')
    t.same(call.result?._meta[META.serverInfo], { name: 'mcp-platform', version: '0.1.0' })
  })

  t.test('modern: progress with _meta.progressToken', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    const answer = await client.request('tools/call', { name: 'test_tool_with_progress', arguments: {}, _meta: modernEnvelope({}, { progressToken: 7 }) })
    t.equal(answer.result?.content[0].text, 'Progress test completed')
    const progress = client.messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params)
    t.same(progress, [0, 50, 100].map((p) => ({ progressToken: 7, progress: p, total: 100 })))
  })

  t.test('modern: subscriptions/listen delivers tagged notifications; cancelling it ends it without a response', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    client.sendJson({ jsonrpc: '2.0', id: 'sub', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: modernEnvelope() } })
    const ack = await client.next((m) => m.method === 'notifications/subscriptions/acknowledged')
    t.same(ack.params, { _meta: { [META.subscriptionId]: 'sub' }, notifications: { toolsListChanged: true } })

    const registration = probe.mcp!.tool({ name: 'listen_probe', description: 'Added while listening', handler: () => 'x' })
    const changed = await client.next((m) => m.method === 'notifications/tools/list_changed')
    t.same(changed.params, { _meta: { [META.subscriptionId]: 'sub' } }, 'tagged with the subscription id')

    client.notify('notifications/cancelled', { requestId: 'sub', reason: 'done listening' })
    // A request sent after the cancellation is answered; the listen never is.
    await client.request('server/discover', { _meta: modernEnvelope() }, 'after')
    registration.remove()
    await client.request('server/discover', { _meta: modernEnvelope() }, 'after-remove')
    t.notOk(client.messages.some((m) => m.id === 'sub'), 'no response to the cancelled listen')
    t.equal(client.messages.filter((m) => m.method === 'notifications/tools/list_changed').length, 1, 'no notification after it ended')
  })

  t.test('modern: notifications/cancelled aborts a call', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    const before = probe.aborted.length
    const started = probe.started
    client.sendJson({ jsonrpc: '2.0', id: 'w', method: 'tools/call', params: { name: 'wait', arguments: { ms: 60_000 }, _meta: modernEnvelope() } })
    await until(() => probe.started > started)
    client.notify('notifications/cancelled', { requestId: 'w', reason: 'modern stop' })
    await until(() => probe.aborted.length > before)
    t.equal(probe.aborted[before], 'modern stop')
    await client.request('server/discover', { _meta: modernEnvelope() })
    t.notOk(client.messages.some((m) => m.id === 'w'), 'no response to a cancelled request')
  })

  t.test('legacy: resources/subscribe delivers notifications/resources/updated on the socket', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    const modernOnly = await RawClient.connect(t, wsUrl)
    await client.initialize()
    const uri = 'test://ws-watched'
    const resource = probe.mcp!.resource({ uri, name: 'watched', read: () => 'v1' })
    t.teardown(() => resource.remove())
    const read = await client.request('resources/read', { uri })
    t.same(read.result?.contents, [{ uri, text: 'v1' }])
    await client.request('resources/subscribe', { uri })
    probe.mcp!.notifyResourceUpdated(uri)
    const updated = await client.next((m) => m.method === 'notifications/resources/updated')
    t.same(updated.params, { uri })
    // Both eras on one connection: a modern request on the initialized connection.
    const modern = await client.request('tools/call', { name: 'calculate', arguments: { expression: '1 + 2' }, _meta: modernEnvelope() })
    t.same(modern.result?.structuredContent, { result: 3 })
    t.same(modernOnly.messages, [], 'a connection that asked for nothing hears nothing')
  })

  t.test('legacy: sampling request on the socket, its answer matched back', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    const init = await client.request('initialize', { ...INITIALIZE, capabilities: { sampling: {} } })
    t.ok(init.result)
    client.notify('notifications/initialized')
    const answer = client.request('tools/call', { name: 'test_sampling', arguments: { prompt: 'Say hi' } }, 'call')
    const request = await client.next((m) => m.method === 'sampling/createMessage')
    t.equal(request.params.messages[0].content.text, 'Say hi')
    client.sendJson({ jsonrpc: '2.0', id: request.id, result: { role: 'assistant', content: { type: 'text', text: 'hi!' }, model: 'test', stopReason: 'endTurn' } })
    t.equal((await answer).result?.content[0].text, 'LLM response: hi!')
  })

  t.test('legacy: notifications/cancelled aborts a call; closing the socket cancels the rest', async (t) => {
    const client = await RawClient.connect(t, wsUrl)
    await client.initialize()
    const before = probe.aborted.length
    const started = probe.started
    for (const id of ['a', 'b']) client.sendJson({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'wait', arguments: { ms: 60_000 } } })
    await until(() => probe.started === started + 2)
    client.notify('notifications/cancelled', { requestId: 'a', reason: 'legacy stop' })
    await until(() => probe.aborted.length === before + 1)
    t.equal(probe.aborted[before], 'legacy stop')
    client.close()
    await until(() => probe.aborted.length === before + 2)
    t.equal(probe.aborted[before + 1], 'connection closed', 'the connection\'s last call was cancelled when it closed')
  })
})
