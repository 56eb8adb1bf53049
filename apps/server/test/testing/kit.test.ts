/** The test kit's own contract: what it sends, how it reads answers, how it waits and cleans up. */
import t from 'tap'
import {
  buildTestApp, createInjectClient, deferred, encodeHeaderValue, LEGACY_VERSION, legacyInitialize, legacyRequest,
  McpRequestError, META, MODERN_VERSION, modernEnvelope, modernHeaders, modernRequest, parseSse, startTestServer, until, within
} from '@mcp-platform/server/testing'
import { LATEST_PROTOCOL_VERSION, LEGACY_VERSIONS } from '@mcp-platform/server'

t.test('the envelope and headers follow the server\'s constants', async (t) => {
  t.equal(MODERN_VERSION, LATEST_PROTOCOL_VERSION)
  t.equal(LEGACY_VERSION, LEGACY_VERSIONS[0])
  const meta = modernEnvelope({ elicitation: {} }, { progressToken: 'p' })
  t.equal(meta[META.protocolVersion], MODERN_VERSION)
  t.same(meta[META.clientCapabilities], { elicitation: {} })
  t.equal(meta.progressToken, 'p')
  t.ok(meta[META.clientInfo], 'clientInfo is sent')
  t.same(modernHeaders('resources/read', { uri: 'file:///a' }), {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN_VERSION,
    'mcp-method': 'resources/read',
    'mcp-name': 'file:///a'
  })
  t.notOk('mcp-name' in modernHeaders('tools/list'), 'no Mcp-Name for unnamed methods')
  t.equal(modernHeaders('tools/call', { name: 'grüß' })['mcp-name'], '=?base64?Z3LDvMOf?=')
  t.equal(encodeHeaderValue('plain'), 'plain')
  t.equal(encodeHeaderValue('plain', { always: true }), `=?base64?${Buffer.from('plain').toString('base64')}?=`)
})

t.test('parseSse keeps data payloads only', async (t) => {
  const text = ': keep-alive\n\nid: 1\ndata:\n\nretry: 1000\n\nid: 2\ndata: {"a":1}\n\ndata: {"b":\ndata: 2}\n\n'
  t.same(parseSse(text), [{ a: 1 }, { b: 2 }])
})

t.test('until, deferred and within', async (t) => {
  let ready = false
  setTimeout(() => { ready = true }, 20)
  await until(() => ready, 1000, 'ready')
  t.ok(ready)
  await t.rejects(until(() => false, 30, 'never'), /timed out after 30 ms waiting for never/)
  const later = deferred<number>()
  setTimeout(() => later.resolve(7), 5)
  t.equal(await within(later.promise, 1000, 'seven'), 7)
  await t.rejects(within(new Promise(() => {}), 20, 'nothing'), /timed out after 20 ms waiting for nothing/)
})

t.test('the inject client, both eras', async (t) => {
  const app = await buildTestApp(t, {
    plugins: [{
      name: 'kit-probe',
      plugin: async (app) => {
        app.mcp.tool({ name: 'hello', description: 'Says hello', handler: () => 'hello' })
        app.mcp.tool({
          name: 'ask',
          description: 'Elicits a word',
          async handler (_args, ctx) {
            const answer = await ctx.elicit({ message: 'A word?', requestedSchema: { type: 'object', properties: { word: { type: 'string' } } } })
            return String(answer.content?.word)
          }
        })
      }
    }]
  })
  for (const era of ['modern', 'legacy'] as const) {
    const client = createInjectClient(app, { era })
    t.equal(client.era, era)
    t.same((await client.callTool('hello')).content, [{ type: 'text', text: 'hello' }], `${era}: a call is answered`)
    const error = await client.request('tools/explode').catch((e: unknown) => e)
    t.type(error, McpRequestError, `${era}: a JSON-RPC error is an McpRequestError`)
    t.match(error, { code: -32601, statusCode: era === 'modern' ? 404 : 200 }, `${era}: with its code and HTTP status`)
  }
  // Modern capabilities travel in every request's _meta.
  await t.rejects(createInjectClient(app).callTool('ask'), { code: -32021, data: { requiredCapabilities: { elicitation: {} } } })
  const asked = await createInjectClient(app, { capabilities: { elicitation: {} } }).callTool('ask')
  t.equal(asked.resultType, 'input_required', 'with the capability declared, the server asks')
})

t.test('the real-port server and raw client', async (t) => {
  // A teardown the test runs itself, to see that it closes the server.
  const cleanups: Array<() => unknown> = []
  const server = await startTestServer({ teardown: (fn) => { cleanups.push(fn) } })
  t.equal(cleanups.length, 1, 'one cleanup registered')
  t.equal(server.url.href, `http://127.0.0.1:${server.port}/mcp`)
  t.equal(server.wsUrl, `ws://127.0.0.1:${server.port}/mcp`)
  const modern = await modernRequest(server.url, 'tools/list')
  t.equal(modern.status, 200)
  t.same(modern.response.result.tools, [])
  const session = await legacyInitialize(server.url)
  const legacy = await legacyRequest(server.url, session, 'ping')
  t.same(legacy.response.result, {})
  // fetch keeps its connection open; the cleanup drops it rather than waiting.
  await within(Promise.all(cleanups.map(async (fn) => await fn())), 5000, 'the cleanup')
  t.notOk(server.app.server.listening, 'closed')
})
