/**
 * The modern-era (2026-07-28) reference client, `@modelcontextprotocol/client`
 * v2, against the server on a real port: era negotiation (auto and pinned),
 * server/discover, cache hints, MRTR elicitation and sampling, progress,
 * cancellation and subscriptions/listen.
 *
 * The client strips protocol fields (resultType, requestState) from what it
 * returns, so a recording `fetch` handed to its transport keeps the raw wire
 * exchange for the assertions about it; the client itself is not altered.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { Client, MissingRequiredClientCapabilityError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import conformance from '../fixtures/conformance/index.ts'
import { createProbe } from './probe-tools.ts'
import { deferred, LEGACY_VERSION, META, MODERN_VERSION, parseSse, startTestServer, until, within } from '@mcp-platform/server/testing'

interface Exchange { method: string | undefined, headers: Headers, body: any, status: number, messages: any[] }

/** A fetch that records every POST and its answer (JSON or SSE, read from a clone). */
function recordingFetch (log: Exchange[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init)
    if (init?.method === 'POST' && typeof init.body === 'string') {
      const body = JSON.parse(init.body)
      const exchange: Exchange = { method: body.method, headers: new Headers(init.headers), body, status: response.status, messages: [] }
      log.push(exchange)
      const type = response.headers.get('content-type') ?? ''
      // Long-lived streams (listen) are not read here: the clone would never end.
      if (body.method !== 'subscriptions/listen') {
        response.clone().text().then((text) => {
          exchange.messages = type.startsWith('text/event-stream') ? parseSse(text) : text === '' ? [] : [JSON.parse(text)]
        }, () => {})
      }
    }
    return response
  }
}

const server = Object.assign(createProbe(), { askRuns: 0, twoRuns: 0 })

const inline: FastifyPluginAsync = async (app) => {
  server.register(app)
  app.mcp.tool({
    name: 'ask_color',
    description: 'Elicits a favourite color (counts its runs)',
    async handler (_args, ctx) {
      server.askRuns++
      const answer = await ctx.elicit({ message: 'Favourite color?', requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] } })
      return answer.action === 'accept' ? `color=${String(answer.content?.color)}` : `no color (${answer.action})`
    }
  })
  app.mcp.tool({
    name: 'two_questions',
    description: 'Elicits twice, one after the other (counts its runs)',
    input: Type.Object({ topic: Type.String() }),
    async handler ({ topic }, ctx) {
      server.twoRuns++
      const first = await ctx.elicit({ message: `${topic}: first?`, requestedSchema: { type: 'object', properties: { a: { type: 'string' } } } })
      const second = await ctx.elicit({ message: `${topic}: second?`, requestedSchema: { type: 'object', properties: { b: { type: 'string' } } } })
      return `${String(first.content?.a)}+${String(second.content?.b)}`
    }
  })
}

const plugins = [
  { module: '@mcp-platform/calculator' },
  { plugin: conformance, name: 'conformance' },
  { plugin: inline, name: 'inline' }
]

t.test('the v2 client in auto mode against the dual-era server', async (t) => {
  const { app, url } = await startTestServer(t, { serverName: 'modern-test-server', serverVersion: '2.0.0', instructions: 'Hello.', plugins })
  const wire: Exchange[] = []
  const elicitations: any[] = []
  let elicitAction: 'accept' | 'decline' = 'accept'
  const client = new Client({ name: 'modern-client', version: '1.0.0' }, {
    capabilities: { elicitation: {}, sampling: {} },
    versionNegotiation: { mode: 'auto' }
  })
  client.setRequestHandler('elicitation/create', async (request) => {
    elicitations.push(request.params)
    if (elicitAction === 'decline') return { action: 'decline' }
    const properties = Object.keys((request.params as any).requestedSchema.properties)
    const content: Record<string, string> = { username: 'grace', email: 'grace@example.com' }
    for (const name of properties) content[name] ??= `${name}-answer`
    content.color = 'teal'
    return { action: 'accept', content }
  })
  const samplings: any[] = []
  client.setRequestHandler('sampling/createMessage', async (request) => {
    samplings.push(request.params)
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'blue whale' } }
  })
  const transport = new StreamableHTTPClientTransport(url, { fetch: recordingFetch(wire) })
  await client.connect(transport)
  t.teardown(async () => { await client.close().catch(() => {}) })

  t.test('auto mode picks the modern era: one server/discover, no initialize, no session', async (t) => {
    t.equal(client.getProtocolEra(), 'modern')
    t.equal(client.getNegotiatedProtocolVersion(), MODERN_VERSION)
    t.same(wire.map((e) => e.method), ['server/discover'], 'the probe was the only request')
    t.equal(wire[0].headers.get('mcp-protocol-version'), MODERN_VERSION)
    t.equal(wire[0].headers.get('mcp-method'), 'server/discover')
    t.equal(transport.sessionId, undefined, 'no Mcp-Session-Id on the modern era')
    t.equal([...app.mcpCore.sessions.local()].length, 0, 'no legacy session was created')
  })

  t.test('server/discover: versions, capabilities, serverInfo in _meta, cache hints', async (t) => {
    const discovered = client.getDiscoverResult()!
    t.ok(discovered.supportedVersions.includes(MODERN_VERSION))
    t.same(discovered.capabilities.tools, { listChanged: true })
    t.same(discovered.capabilities.resources, { subscribe: true, listChanged: true })
    t.same((discovered._meta as any)?.[META.serverInfo], { name: 'modern-test-server', version: '2.0.0' })
    t.same(client.getServerVersion(), { name: 'modern-test-server', version: '2.0.0' }, 'the client read serverInfo from _meta')
    t.equal(client.getInstructions(), 'Hello.')

    const again = await client.discover()
    t.ok(again.supportedVersions.includes(MODERN_VERSION))
    await until(() => wire.at(-1)!.messages.length > 0, 2000, 'the recorded answer')
    const raw = wire.at(-1)!.messages[0].result
    t.equal(raw.resultType, 'complete', 'resultType on the wire')
    t.type(raw.ttlMs, 'number')
    t.equal(raw.cacheScope, 'public')
  })

  t.test('tools/list: complete, with ttlMs and cacheScope; calculate', async (t) => {
    const { tools } = await client.listTools(undefined, { cacheMode: 'refresh' })
    t.ok(tools.some((tool) => tool.name === 'calculate'))
    const listed = wire.filter((e) => e.method === 'tools/list').at(-1)!
    await until(() => listed.messages.length > 0, 2000, 'the recorded answer')
    const raw = listed.messages[0].result
    t.equal(raw.resultType, 'complete')
    t.equal(raw.ttlMs, 60_000)
    t.equal(raw.cacheScope, 'public')
    t.same(raw._meta[META.serverInfo], { name: 'modern-test-server', version: '2.0.0' })
    t.equal(listed.headers.get('mcp-method'), 'tools/list')
    t.equal(listed.body.params._meta[META.protocolVersion], MODERN_VERSION, 'the client attached the _meta envelope')

    const result = await client.callTool({ name: 'calculate', arguments: { expression: 'max(3, 9) - 2 ^ 3' } })
    t.same(result.structuredContent, { result: 1 })
    const called = wire.filter((e) => e.method === 'tools/call').at(-1)!
    t.equal(called.headers.get('mcp-name'), 'calculate', 'Mcp-Name mirrors the tool name')
  })

  t.test('MRTR elicitation: input_required, the handler answers, the retry completes', async (t) => {
    elicitAction = 'accept'
    const before = wire.length
    const runsBefore = server.askRuns
    const result = await client.callTool({ name: 'ask_color', arguments: {} })
    t.same(result.content, [{ type: 'text', text: 'color=teal' }], 'the retried call completed with the user\'s answer')
    t.equal(elicitations.length, 1, 'the client\'s elicitation handler ran once')
    t.equal(elicitations[0].message, 'Favourite color?')
    t.equal(elicitations[0].mode, 'form')
    t.equal(server.askRuns - runsBefore, 2, 'the handler ran twice: the input_required round and the retry')

    const rounds = wire.slice(before).filter((e) => e.method === 'tools/call')
    t.equal(rounds.length, 2, 'two tools/call requests on the wire')
    await until(() => rounds.every((r) => r.messages.length > 0), 2000, 'the recorded answers')
    const first = rounds[0].messages[0].result
    t.equal(first.resultType, 'input_required')
    t.same(Object.keys(first.inputRequests), ['elicitation-0'])
    t.equal(first.inputRequests['elicitation-0'].method, 'elicitation/create')
    t.type(first.requestState, 'string')
    t.notOk('content' in first, 'an input_required result carries no content')
    t.equal(rounds[1].body.params.requestState, first.requestState, 'the retry echoes requestState byte for byte')
    t.same(rounds[1].body.params.inputResponses['elicitation-0'].content.color, 'teal')
    t.not(rounds[1].body.id, rounds[0].body.id, 'the retry is a new request id')
    t.equal(rounds[1].messages[0].result.resultType, 'complete')

    elicitAction = 'decline'
    const declined = await client.callTool({ name: 'ask_color', arguments: {} })
    t.same(declined.content, [{ type: 'text', text: 'no color (decline)' }])
    elicitAction = 'accept'
  })

  t.test('MRTR over two rounds: earlier answers travel in requestState', async (t) => {
    const runsBefore = server.twoRuns
    const before = wire.length
    const result = await client.callTool({ name: 'two_questions', arguments: { topic: 'quiz' } })
    t.same(result.content, [{ type: 'text', text: 'a-answer+b-answer' }])
    t.equal(server.twoRuns - runsBefore, 3, 'three runs: ask a, ask b, finish')
    const rounds = wire.slice(before).filter((e) => e.method === 'tools/call')
    t.equal(rounds.length, 3)
    await until(() => rounds.every((r) => r.messages.length > 0), 2000, 'the recorded answers')
    t.same(Object.keys(rounds[1].messages[0].result.inputRequests), ['elicitation-1'], 'the second round asks only the new question')
    t.same(Object.keys(rounds[2].body.params.inputResponses), ['elicitation-1'], 'the client sends only the latest answer; the first rides in requestState')
  })

  t.test('MRTR sampling through the client\'s sampling handler', async (t) => {
    const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Largest animal?' } })
    t.same(result.content, [{ type: 'text', text: 'LLM response: blue whale' }])
    t.equal(samplings.length, 1)
    t.same(samplings[0].messages, [{ role: 'user', content: { type: 'text', text: 'Largest animal?' } }])
  })

  t.test('a client without the elicitation capability gets -32021 naming it', async (t) => {
    const bare = new Client({ name: 'bare', version: '1' }, { versionNegotiation: { mode: { pin: MODERN_VERSION } } })
    await bare.connect(new StreamableHTTPClientTransport(url))
    t.teardown(async () => { await bare.close().catch(() => {}) })
    const error = await bare.callTool({ name: 'ask_color', arguments: {} }).then(() => undefined, (e: unknown) => e)
    t.match(error, { code: -32021, message: /elicitation/ })
    // The client builds its typed error only from a spec-shaped data.requiredCapabilities (a ClientCapabilities object).
    t.ok(error instanceof MissingRequiredClientCapabilityError, 'the client recognised the error as MissingRequiredClientCapability')
    t.same((error as MissingRequiredClientCapabilityError).data, { requiredCapabilities: { elicitation: {} } })
  })

  t.test('progress over the request\'s SSE stream', async (t) => {
    const seen: number[] = []
    const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, { onprogress: (p) => { seen.push(p.progress) } })
    t.same(result.content, [{ type: 'text', text: 'Progress test completed' }])
    t.same(seen, [0, 50, 100])
  })

  t.test('per-request log level (_meta logLevel) filters notifications/message', async (t) => {
    const logs: any[] = []
    client.setNotificationHandler('notifications/message', (n) => { logs.push(n.params) })
    await client.callTool({ name: 'log_levels', arguments: {}, _meta: { [META.logLevel]: 'warning' } })
    t.same(logs.map((l) => l.level), ['warning', 'error'])
    logs.length = 0
    await client.callTool({ name: 'log_levels', arguments: {} })
    t.same(logs, [], 'no log level in _meta: no log notifications (modern default)')
    await t.rejects(client.setLoggingLevel('info'), /not supported|2026-07-28/i, 'logging/setLevel is a legacy-era method')
  })

  t.test('cancellation: aborting the call aborts the tool\'s signal server-side', async (t) => {
    const controller = new AbortController()
    const call = client.callTool({ name: 'hang', arguments: {} }, { signal: controller.signal })
    await within(server.hangStarted.promise, 5000, 'the hang tool to start')
    controller.abort('stop it')
    await t.rejects(call)
    const reason = await within(server.hangAborted.promise, 5000, 'the server-side abort')
    t.match(reason, /closed|cancel/i)
    await until(() => app.mcpCore.calls.size === 0, 5000, 'no call in flight')
  })

  t.test('subscriptions/listen delivers tools/list_changed when a tool is registered', async (t) => {
    const changed: any[] = []
    const first = deferred()
    client.setNotificationHandler('notifications/tools/list_changed', (n) => { changed.push(n); first.resolve() })
    const subscription = await client.listen({ toolsListChanged: true })
    t.same(subscription.honoredFilter, { toolsListChanged: true })
    const listen = wire.find((e) => e.method === 'subscriptions/listen')!
    t.equal(listen.status, 200)
    t.equal(listen.headers.get('mcp-method'), 'subscriptions/listen')
    await until(() => [...app.mcpCore.calls].some((c) => c.method === 'subscriptions/listen'), 2000, 'the listen call server-side')

    const registration = server.mcp!.tool({ name: 'brand_new', description: 'Registered while listening', handler: () => 'new' })
    await within(first.promise, 5000, 'notifications/tools/list_changed')
    t.equal(changed.length, 1)
    t.equal(changed[0].params._meta[META.subscriptionId], listen.body.id, 'tagged with the subscription id')
    const { tools } = await client.listTools()
    t.ok(tools.some((tool) => tool.name === 'brand_new'), 'list_changed evicted the cached list: the new tool is listed')

    const second = deferred()
    client.setNotificationHandler('notifications/tools/list_changed', () => { second.resolve() })
    registration.remove()
    await within(second.promise, 5000, 'list_changed after remove')
    t.notOk((await client.listTools()).tools.some((tool) => tool.name === 'brand_new'))

    await subscription.close()
    t.equal(await subscription.closed, 'local')
    await until(() => ![...app.mcpCore.calls].some((c) => c.method === 'subscriptions/listen'), 5000, 'the listen call to end server-side')
  })

  t.test('listen for resource updates', async (t) => {
    const updated = deferred<string>()
    client.setNotificationHandler('notifications/resources/updated', (n) => { updated.resolve(n.params.uri) })
    const subscription = await client.listen({ resourceSubscriptions: ['test://watched-resource'] })
    t.same(subscription.honoredFilter, { resourceSubscriptions: ['test://watched-resource'] })
    await until(() => [...app.mcpCore.calls].some((c) => c.method === 'subscriptions/listen'), 2000, 'the listen call server-side')
    server.mcp!.notifyResourceUpdated('test://static-text')
    server.mcp!.notifyResourceUpdated('test://watched-resource')
    t.equal(await within(updated.promise, 5000, 'notifications/resources/updated'), 'test://watched-resource', 'only the subscribed URI')
    await subscription.close()
  })

  t.test('resources, prompts and completion on the modern era', async (t) => {
    const read = await client.readResource({ uri: 'test://template/7/data' })
    t.same(JSON.parse((read.contents[0] as any).text).id, '7')
    await t.rejects(client.readResource({ uri: 'test://missing' }), { code: -32602 }, 'an unknown resource is -32602 on 2026-07-28')
    const prompt = await client.getPrompt({ name: 'test_simple_prompt' })
    t.same(prompt.messages, [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }])
    const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'part' } })
    t.same(completion.completion.values, ['party'])
  })
})

t.test('manual MRTR mode: the client hands back the InputRequiredResult', async (t) => {
  const { url } = await startTestServer(t, { plugins })
  const client = new Client({ name: 'manual', version: '1' }, {
    capabilities: { elicitation: {} },
    versionNegotiation: { mode: { pin: MODERN_VERSION } },
    inputRequired: { autoFulfill: false }
  })
  await client.connect(new StreamableHTTPClientTransport(url))
  t.teardown(async () => { await client.close().catch(() => {}) })
  const first = await client.callTool({ name: 'ask_color', arguments: {} }, { allowInputRequired: true }) as any
  t.equal(first.resultType, 'input_required')
  t.same(Object.keys(first.inputRequests), ['elicitation-0'])
  const done = await client.callTool({
    name: 'ask_color',
    arguments: {},
    inputResponses: { 'elicitation-0': { action: 'accept', content: { color: 'red' } } },
    requestState: first.requestState
  } as any, { allowInputRequired: true })
  t.same(done.content, [{ type: 'text', text: 'color=red' }])
})

t.test('the v2 client in its default legacy mode still gets a 2025-11-25 session', async (t) => {
  const { url } = await startTestServer(t, { plugins: [{ module: '@mcp-platform/calculator' }] })
  const client = new Client({ name: 'v2-legacy', version: '1' })
  const transport = new StreamableHTTPClientTransport(url)
  await client.connect(transport)
  t.teardown(async () => { await client.close().catch(() => {}) })
  t.equal(client.getProtocolEra(), 'legacy')
  t.equal(client.getNegotiatedProtocolVersion(), LEGACY_VERSION)
  t.match(transport.sessionId, /^[0-9a-f-]{36}$/)
  t.same((await client.callTool({ name: 'calculate', arguments: { expression: '2^10' } })).structuredContent, { result: 1024 })
})
