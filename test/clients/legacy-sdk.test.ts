/**
 * The legacy-era (2025-11-25) reference client, `@modelcontextprotocol/sdk`
 * 1.x with its Streamable HTTP transport, against the server on a real port:
 * the whole session lifecycle, server-to-client requests on the request's SSE
 * stream, notifications on the GET stream, and session termination.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {
  CallToolResultSchema, CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema, ToolListChangedNotificationSchema, type LoggingMessageNotification
} from '@modelcontextprotocol/sdk/types.js'
import conformance from '../fixtures/conformance/index.ts'
import { createProbe } from './probe-tools.ts'
import { deferred, LEGACY_VERSION, legacyRequest, rawPost, startTestServer, until, within } from '@mcp-platform/server/testing'

/** What the inline plugin lets the tests observe and do server-side. */
const server = createProbe()

const inline: FastifyPluginAsync = async (app) => {
  server.register(app)
  app.mcp.tool({
    name: 'ask_name',
    description: 'Elicits a name; reports the action',
    input: Type.Object({}),
    async handler (_args, ctx) {
      const answer = await ctx.elicit({
        message: 'Your name?',
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }
      })
      return answer.action === 'accept' ? `hello ${String(answer.content?.name)}` : `no name (${answer.action})`
    }
  })
}

t.test('the legacy SDK client against the server', async (t) => {
  const { app, url } = await startTestServer(t, {
    serverName: 'legacy-test-server',
    serverVersion: '9.9.9',
    instructions: 'Be nice.',
    plugins: [
      { module: '@mcp-platform/calculator' },
      { plugin: conformance, name: 'conformance' },
      { plugin: inline, name: 'inline' }
    ]
  })

  const elicitations: any[] = []
  let elicitAnswer: 'accept' | 'decline' = 'accept'
  const client = new Client({ name: 'legacy-client', version: '1.0.0' }, { capabilities: { elicitation: {}, sampling: {} } })
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    elicitations.push(request.params)
    return elicitAnswer === 'accept'
      ? { action: 'accept', content: { username: 'ada', email: 'ada@example.com', name: 'Ada' } }
      : { action: 'decline' }
  })
  const samplings: any[] = []
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    samplings.push(request.params)
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'forty-two' }, stopReason: 'endTurn' }
  })
  const logs: LoggingMessageNotification['params'][] = []
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => { logs.push(notification.params) })

  const transport = new StreamableHTTPClientTransport(url)
  await client.connect(transport)
  t.teardown(async () => { await client.close().catch(() => {}) })

  t.test('initialize negotiates 2025-11-25 and describes the server', async (t) => {
    t.equal(transport.protocolVersion, LEGACY_VERSION, 'negotiated the client\'s newest version')
    t.match(transport.sessionId, /^[0-9a-f-]{36}$/, 'a session id was issued')
    t.same(client.getServerVersion(), { name: 'legacy-test-server', version: '9.9.9' })
    t.equal(client.getInstructions(), 'Be nice.')
    const capabilities = client.getServerCapabilities()
    t.same(capabilities?.tools, { listChanged: true })
    t.same(capabilities?.resources, { subscribe: true, listChanged: true })
    t.same(capabilities?.prompts, { listChanged: true })
    t.ok(capabilities?.logging, 'logging')
    t.ok(capabilities?.completions, 'completions')
    t.same(await client.ping(), {}, 'ping')
  })

  t.test('tools/list and calculate', async (t) => {
    const { tools } = await client.listTools()
    const names = tools.map((tool) => tool.name)
    t.ok(names.includes('calculate') && names.includes('test_elicitation') && names.includes('hang'), 'every plugin\'s tools are listed')
    t.same(names, [...names].sort(), 'sorted by name')
    const calculate = tools.find((tool) => tool.name === 'calculate')!
    t.equal(calculate.inputSchema.type, 'object')
    t.ok(calculate.outputSchema, 'output schema listed')
    t.notOk('ttlMs' in (await client.listTools()), 'no modern-era cache hints on the legacy era')

    const result = await client.callTool({ name: 'calculate', arguments: { expression: '2 * (3 + 4)' } })
    t.same(result.structuredContent, { result: 14 })
    t.same(result.content, [{ type: 'text', text: '14' }])
    t.notOk(result.isError)
    t.notOk('resultType' in result, 'no resultType on the legacy era')

    const bad = await client.callTool({ name: 'calculate', arguments: { expression: '2 +' } })
    t.equal(bad.isError, true, 'a calculation error is a tool error result')
  })

  t.test('progress notifications reach onprogress, increasing', async (t) => {
    const seen: Array<{ progress: number, total?: number }> = []
    const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, CallToolResultSchema, {
      onprogress: (p) => { seen.push({ progress: p.progress, total: p.total }) }
    })
    t.same(result.content, [{ type: 'text', text: 'Progress test completed' }])
    t.same(seen.map((p) => p.progress), [0, 50, 100])
    t.ok(seen.every((p) => p.total === 100), 'total is carried')
  })

  t.test('cancellation: aborting the client signal aborts the tool\'s signal server-side', async (t) => {
    const controller = new AbortController()
    const call = client.callTool({ name: 'hang', arguments: {} }, CallToolResultSchema, { signal: controller.signal })
    await within(server.hangStarted.promise, 5000, 'the hang tool to start')
    controller.abort('user pressed stop')
    await t.rejects(call, 'the client call rejects')
    const reason = await within(server.hangAborted.promise, 5000, 'the server-side signal to abort')
    t.match(reason, /user pressed stop|cancel/i, 'the server saw the client\'s cancellation')
    // Nothing of that call remains in flight.
    await until(() => app.mcpCore.calls.size === 0, 5000, 'the call to leave the in-flight set')
    const after = await client.callTool({ name: 'calculate', arguments: { expression: '1+1' } })
    t.same(after.structuredContent, { result: 2 }, 'the session goes on')
  })

  t.test('elicitation: accept and decline', async (t) => {
    elicitAnswer = 'accept'
    const accepted = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } })
    t.equal(elicitations.length, 1, 'the client handler ran once')
    t.equal(elicitations[0].message, 'Who are you?')
    t.same(elicitations[0].requestedSchema.required, ['username', 'email'])
    t.match((accepted.content as any)[0].text, /action=accept.*"username":"ada".*"email":"ada@example.com"/)

    elicitAnswer = 'decline'
    const declined = await client.callTool({ name: 'ask_name', arguments: {} })
    t.equal(elicitations.length, 2)
    t.same(declined.content, [{ type: 'text', text: 'no name (decline)' }])
  })

  t.test('sampling', async (t) => {
    const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'What is six times seven?' } })
    t.equal(samplings.length, 1)
    t.same(samplings[0].messages, [{ role: 'user', content: { type: 'text', text: 'What is six times seven?' } }])
    t.equal(samplings[0].maxTokens, 100)
    t.same(result.content, [{ type: 'text', text: 'LLM response: forty-two' }])
  })

  t.test('logging/setLevel filters log notifications', async (t) => {
    logs.length = 0
    await client.callTool({ name: 'log_levels', arguments: {} })
    t.same(logs.map((l) => l.level), ['debug', 'info', 'warning', 'error'], 'no level set: every level')

    await client.setLoggingLevel('warning')
    logs.length = 0
    await client.callTool({ name: 'log_levels', arguments: {} })
    t.same(logs.map((l) => l.level), ['warning', 'error'], 'warning and above only')
    t.same(logs.map((l) => l.data), ['a warning line', 'an error line'])

    await client.setLoggingLevel('emergency')
    logs.length = 0
    await client.callTool({ name: 'log_levels', arguments: {} })
    t.same(logs, [], 'nothing below emergency')

    await t.rejects(client.request({ method: 'logging/setLevel', params: { level: 'loud' } } as any, CallToolResultSchema), /level/i,
      'an unknown level is refused')
    await client.setLoggingLevel('debug')
  })

  t.test('resources, templates, prompts and completion', async (t) => {
    const { resources } = await client.listResources()
    t.ok(resources.some((r) => r.uri === 'test://static-text'))
    const read = await client.readResource({ uri: 'test://static-text' })
    t.same(read.contents, [{ uri: 'test://static-text', text: 'This is the content of the static text resource.', mimeType: 'text/plain' }])

    const { resourceTemplates } = await client.listResourceTemplates()
    t.same(resourceTemplates.map((r) => r.uriTemplate), ['test://template/{id}/data'])
    const templated = await client.readResource({ uri: 'test://template/42/data' })
    t.same(JSON.parse((templated.contents[0] as { text: string }).text), { id: '42', templateTest: true, data: 'Data for ID: 42' })
    await t.rejects(client.readResource({ uri: 'test://nope' }), { code: -32002 }, 'unknown resource: -32002 on the legacy era')

    const { prompts } = await client.listPrompts()
    const withArgs = prompts.find((p) => p.name === 'test_prompt_with_arguments')!
    t.same(withArgs.arguments?.map((a) => [a.name, a.required]), [['arg1', true], ['arg2', true]])
    const prompt = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } })
    t.same(prompt.messages, [{ role: 'user', content: { type: 'text', text: 'Prompt with arguments: arg1=\'a\', arg2=\'b\'' } }])
    await t.rejects(client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a' } }), { code: -32602, message: /arg2/ })

    const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'par' } })
    t.same(completion.completion.values, ['paris', 'park', 'party'])
    const templateCompletion = await client.complete({ ref: { type: 'ref/resource', uri: 'test://template/{id}/data' }, argument: { name: 'id', value: '4' } })
    t.same(templateCompletion.completion.values, ['456'])
  })

  t.test('tools/list_changed arrives on the GET stream when a tool is registered after connect', async (t) => {
    // The SDK opens the GET stream after notifications/initialized; wait until the server holds it.
    await until(() => [...app.mcpCore.sessions.local()].some((s) => s.id === transport.sessionId && s.channel !== undefined), 5000, 'the GET stream')
    const changed = deferred()
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => { changed.resolve() })
    const registration = server.mcp!.tool({ name: 'late_tool', description: 'Registered after connect', handler: () => 'late' })
    await within(changed.promise, 5000, 'notifications/tools/list_changed')
    const { tools } = await client.listTools()
    t.ok(tools.some((tool) => tool.name === 'late_tool'), 'the new tool is listed')
    t.same((await client.callTool({ name: 'late_tool', arguments: {} })).content, [{ type: 'text', text: 'late' }])

    const removed = deferred()
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => { removed.resolve() })
    registration.remove()
    await within(removed.promise, 5000, 'list_changed after remove')
    t.notOk((await client.listTools()).tools.some((tool) => tool.name === 'late_tool'), 'gone after remove()')
  })

  t.test('resources/subscribe: notifyResourceUpdated reaches subscribers only', async (t) => {
    await until(() => [...app.mcpCore.sessions.local()].some((s) => s.id === transport.sessionId && s.channel !== undefined), 5000, 'the GET stream')
    const updated: string[] = []
    const first = deferred()
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updated.push(n.params.uri); first.resolve() })
    t.same(await client.subscribeResource({ uri: 'test://watched-resource' }), {})
    // Not subscribed: not delivered. Sent first, so had it been delivered it would arrive first on the same stream.
    server.mcp!.notifyResourceUpdated('test://static-text')
    server.mcp!.notifyResourceUpdated('test://watched-resource')
    await within(first.promise, 5000, 'notifications/resources/updated')
    t.same(updated, ['test://watched-resource'])

    await client.unsubscribeResource({ uri: 'test://watched-resource' })
    const second = deferred()
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updated.push(n.params.uri); second.resolve() })
    await client.subscribeResource({ uri: 'test://static-text' })
    server.mcp!.notifyResourceUpdated('test://watched-resource')
    server.mcp!.notifyResourceUpdated('test://static-text')
    await within(second.promise, 5000, 'the second update')
    t.same(updated, ['test://watched-resource', 'test://static-text'], 'unsubscribed URI no longer delivered')
  })

  t.test('terminateSession (DELETE) ends the session: the old id gets 404', async (t) => {
    const sessionId = transport.sessionId!
    const still = await legacyRequest(url, sessionId, 'ping')
    t.equal(still.status, 200, 'the session works before DELETE')
    await transport.terminateSession()
    t.equal(transport.sessionId, undefined, 'the transport forgot the id')
    const after = await legacyRequest(url, sessionId, 'tools/list')
    t.equal(after.status, 404)
    t.equal(after.response.error.code, -32600)
    t.match(after.response.error.message, /session not found.*initialize/i)
    const deleteAgain = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } })
    t.equal(deleteAgain.status, 404, 'a second DELETE: 404')
    await deleteAgain.text()
  })
})

t.test('a legacy client that asks for an old version gets it, and one we do not know gets our newest', async (t) => {
  const { url } = await startTestServer(t, { plugins: [{ module: '@mcp-platform/calculator' }] })
  for (const [asked, expected] of [['2025-03-26', '2025-03-26'], ['2025-06-18', '2025-06-18'], ['2024-11-05', LEGACY_VERSION]]) {
    const answer = await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: asked, capabilities: {}, clientInfo: { name: 'x', version: '1' } } })
    t.equal(answer.status, 200)
    t.equal(answer.response.result.protocolVersion, expected, `${asked} → ${expected}`)
  }
  // The SDK accepts 2025-06-18 when it is what it asked for.
  const client = new Client({ name: 'old', version: '1' })
  const transport = new StreamableHTTPClientTransport(url)
  const original = transport.send.bind(transport)
  transport.send = async (message, options) => {
    if ('method' in message && message.method === 'initialize') (message.params as any).protocolVersion = '2025-06-18'
    return await original(message, options)
  }
  await client.connect(transport)
  t.teardown(async () => { await client.close().catch(() => {}) })
  t.equal(transport.protocolVersion, '2025-06-18')
  t.same((await client.callTool({ name: 'calculate', arguments: { expression: '6*7' } })).structuredContent, { result: 42 })
})
