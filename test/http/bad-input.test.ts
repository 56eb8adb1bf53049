/**
 * Bad input over real HTTP, one case per test: the HTTP status, the JSON-RPC
 * error code and a message that says what to do. While all of it runs, two
 * well-behaved clients (one per era) keep calling a tool on the same server,
 * and every one of their calls must succeed.
 */
import http from 'node:http'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import t, { type Test } from 'tap'
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { ToolError } from '@mcp-platform/server'
import { MemoryReplayGuard } from '../../apps/server/src/state/replay-guard.ts'
import { RequestStateSealer } from '../../apps/server/src/protocol/request-state.ts'
import {
  deferred, encodeHeaderValue, LEGACY_VERSION, legacyInitialize, legacyRequest, META, MODERN_VERSION, modernEnvelope, modernHeaders,
  modernRequest, rawPost, readAnswer, startTestServer, within, type RawAnswer
} from '@mcp-platform/server/testing'

const STATE_SECRET = 'bad-input-secret'

const observed = {
  slowAborted: deferred<{ aborted: boolean, name: string }>(),
  defaultAborted: deferred<{ aborted: boolean, name: string }>(),
  askRuns: 0
}

const recordAbort = (target: { resolve: (v: { aborted: boolean, name: string }) => void }, signal: AbortSignal) =>
  signal.addEventListener('abort', () => target.resolve({ aborted: signal.aborted, name: (signal.reason as Error)?.name }), { once: true })

const inline: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'explode',
    description: 'Throws an ordinary Error',
    async handler () { throw new Error('kaboom: the widget cache is empty') }
  })
  app.mcp.tool({
    name: 'explode_sync',
    description: 'Throws synchronously',
    handler () { throw new TypeError('cannot read the frobnicator') }
  })
  app.mcp.tool({
    name: 'refuse',
    description: 'Throws a ToolError',
    handler () { throw new ToolError('The account "acme" is locked; unlock it in settings and retry') }
  })
  app.mcp.tool({
    name: 'slow_own_timeout',
    description: 'Never ends; has its own 100 ms time limit',
    timeoutMs: 100,
    handler: (_args, ctx) => { recordAbort(observed.slowAborted, ctx.signal); return new Promise(() => {}) }
  })
  app.mcp.tool({
    name: 'slow_default_timeout',
    description: 'Never ends; uses the server\'s limits.toolTimeoutMs',
    handler: (_args, ctx) => { recordAbort(observed.defaultAborted, ctx.signal); return new Promise(() => {}) }
  })
  app.mcp.tool({
    name: 'ask',
    description: 'Elicits a word',
    input: Type.Object({ topic: Type.String() }),
    async handler ({ topic }, ctx) {
      observed.askRuns++
      const answer = await ctx.elicit({ message: `A word about ${topic}?`, requestedSchema: { type: 'object', properties: { word: { type: 'string' } } } })
      return `word=${String(answer.content?.word)}`
    }
  })
}

function assertError (t: Test, answer: RawAnswer, status: number, code: number, message: RegExp): void {
  t.equal(answer.status, status, `HTTP ${status}`)
  t.equal(answer.response?.error?.code, code, `JSON-RPC ${code}`)
  t.match(answer.response?.error?.message, message, 'the message says what is wrong and what to do')
  t.equal(answer.response?.jsonrpc, '2.0')
}

/** A POST by node:http, which (unlike fetch) lets the test set Host. */
async function postWithHost (url: URL, host: string, body: unknown): Promise<{ status: number, body: any }> {
  return await new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      headers: { ...modernHeaders('tools/list'), host }
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
    })
    request.on('error', reject)
    request.end(JSON.stringify(body))
  })
}

t.test('bad input over HTTP', async (t) => {
  const { url } = await startTestServer(t, {
    stateSecret: STATE_SECRET,
    limits: { bodyLimit: 4096, toolTimeoutMs: 300 },
    plugins: [{ module: '@mcp-platform/calculator' }, { plugin: inline, name: 'inline' }]
  })

  // Two good clients call calculate in a loop for the whole test.
  const modern = new Client({ name: 'good-modern', version: '1' }, { versionNegotiation: { mode: { pin: MODERN_VERSION } } })
  await modern.connect(new StreamableHTTPClientTransport(url))
  const legacy = new LegacyClient({ name: 'good-legacy', version: '1' })
  await legacy.connect(new LegacyTransport(url))
  t.teardown(async () => {
    await modern.close().catch(() => {})
    await legacy.close().catch(() => {})
  })
  const stop = new AbortController()
  const good = { calls: 0, failures: [] as string[] }
  const loop = async (name: string, call: (n: number) => Promise<any>) => {
    for (let n = 1; !stop.signal.aborted; n++) {
      try {
        const result = await call(n)
        if (result.structuredContent?.result !== n * 3) good.failures.push(`${name}: ${JSON.stringify(result)}`)
        good.calls++
      } catch (error) {
        good.failures.push(`${name}: ${String(error)}`)
      }
    }
  }
  const loops = Promise.all([
    loop('modern', (n) => modern.callTool({ name: 'calculate', arguments: { expression: `${n} * 3` } })),
    loop('legacy', (n) => legacy.callTool({ name: 'calculate', arguments: { expression: `${n} * 3` } }))
  ])

  t.test('invalid JSON: 400, -32700', async (t) => {
    assertError(t, await rawPost(url, '{"jsonrpc": "2.0", "id": 1, "method": '), 400, -32700, /parse error.*not valid JSON/i)
    assertError(t, await rawPost(url, ''), 400, -32700, /parse error.*empty.*send one JSON-RPC message/i)
  })

  t.test('not a JSON-RPC object: 400, -32600', async (t) => {
    assertError(t, await rawPost(url, '42'), 400, -32600, /must be a JSON-RPC 2\.0 object/)
    assertError(t, await rawPost(url, 'null'), 400, -32600, /must be a JSON-RPC 2\.0 object/)
    assertError(t, await rawPost(url, { id: 1, method: 'tools/list' }), 400, -32600, /"jsonrpc" must be "2\.0"/)
    assertError(t, await rawPost(url, { jsonrpc: '2.0', id: null, method: 'tools/list' }), 400, -32600, /"id" must be a string or an integer/)
    assertError(t, await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: [1] }), 400, -32600, /"params" must be an object/)
    assertError(t, await rawPost(url, { jsonrpc: '2.0', id: 1, method: 7 }), 400, -32600, /"method" must be a string/)
    assertError(t, await rawPost(url, { jsonrpc: '2.0', id: 1 }), 400, -32600, /needs a "method".*or an "id" with "result" or "error"/)
  })

  t.test('a batch: 400, -32600', async (t) => {
    const answer = await rawPost(url, [{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernEnvelope() } }], modernHeaders('tools/list'))
    assertError(t, answer, 400, -32600, /batches are not supported.*one message per request/)
  })

  t.test('unknown method: -32601, 404 on the modern era and 200 in a legacy session', async (t) => {
    assertError(t, await modernRequest(url, 'tools/explode'), 404, -32601, /method not found.*"tools\/explode".*2026-07-28/i)
    const session = await legacyInitialize(url)
    assertError(t, await legacyRequest(url, session, 'tools/explode'), 200, -32601, /method not found.*"tools\/explode".*2025-11-25/i)
    assertError(t, await modernRequest(url, 'initialize', { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'x', version: '1' } }),
      404, -32601, /"initialize".*belongs to protocol 2025-11-25 and earlier/)
    assertError(t, await legacyRequest(url, session, 'server/discover'), 200, -32601, /belongs to protocol 2026-07-28/)
  })

  t.test('unknown tool: -32602 naming it and pointing at tools/list', async (t) => {
    assertError(t, await modernRequest(url, 'tools/call', { name: 'calculator', arguments: {} }), 200, -32602, /unknown tool: "calculator".*tools\/list/i)
  })

  t.test('invalid arguments: an error result naming the failing field', async (t) => {
    const wrongType = await modernRequest(url, 'tools/call', { name: 'calculate', arguments: { expression: 42 } })
    t.equal(wrongType.status, 200)
    t.equal(wrongType.response.result.isError, true)
    t.match(wrongType.response.result.content[0].text, /invalid arguments for tool "calculate": expression: must be string/i)
    const missing = await modernRequest(url, 'tools/call', { name: 'calculate', arguments: {} })
    t.match(missing.response.result.content[0].text, /expression: is required/)
    const extra = await modernRequest(url, 'tools/call', { name: 'calculate', arguments: { expression: '1', precision: 3 } })
    t.match(extra.response.result.content[0].text, /precision: is not an allowed property/)
    assertError(t, await modernRequest(url, 'tools/call', { name: 'calculate', arguments: [1, 2] }), 200, -32602, /"arguments" must be an object/)
    assertError(t, await modernRequest(url, 'tools/call', { arguments: {} }), 200, -32602, /"name".*must be a string/)
  })

  t.test('a body over the size limit: 413', async (t) => {
    const answer = await modernRequest(url, 'tools/call', { name: 'calculate', arguments: { expression: '1+'.repeat(3000) + '1' } })
    assertError(t, answer, 413, -32600, /too large.*limit is 4096 bytes/i)
  })

  t.test('wrong Content-Type: 415', async (t) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernEnvelope() } })
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      assertError(t, await rawPost(url, body, { ...modernHeaders('tools/list'), 'content-type': type }), 415, -32600,
        new RegExp(`Unsupported Content-Type '${type.replace('+', '\\+')}'.*send application/json`))
    }
  })

  t.test('wrong Accept: 406', async (t) => {
    for (const accept of ['application/json', 'text/event-stream', 'text/html']) {
      const answer = await modernRequest(url, 'tools/list', {}, { headers: { accept } })
      assertError(t, answer, 406, -32600, /not acceptable.*both application\/json and text\/event-stream/i)
    }
    const get = await readAnswer(await fetch(url, { headers: { accept: 'application/json', 'mcp-session-id': await legacyInitialize(url) } }))
    assertError(t, get, 406, -32600, /accept header must list text\/event-stream/i)
  })

  t.test('unknown or deleted session: 404', async (t) => {
    assertError(t, await legacyRequest(url, 'not-a-session', 'tools/list'), 404, -32600, /session not found.*send "initialize"/i)
    const session = await legacyInitialize(url)
    t.equal((await legacyRequest(url, session, 'tools/list')).status, 200, 'the session works')
    const deleted = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session } })
    t.equal(deleted.status, 200)
    await deleted.text()
    assertError(t, await legacyRequest(url, session, 'tools/list'), 404, -32600, /session not found.*expired or was deleted/i)
    const get = await readAnswer(await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session } }))
    assertError(t, get, 404, -32600, /session not found/i)
  })

  t.test('a second GET stream for one session: 409', async (t) => {
    const session = await legacyInitialize(url)
    const controller = new AbortController()
    const first = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session }, signal: controller.signal })
    t.equal(first.status, 200)
    t.equal(first.headers.get('content-type'), 'text/event-stream')
    const second = await readAnswer(await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session } }))
    assertError(t, second, 409, -32600, /conflict: this session already has an open GET stream/i)
    controller.abort()
  })

  t.test('missing session: 400', async (t) => {
    assertError(t, await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }), 400, -32600,
      /Mcp-Session-Id header is required.*initialize.*or send 2026-07-28 requests with the protocol version in _meta/)
    const get = await readAnswer(await fetch(url, { headers: { accept: 'text/event-stream' } }))
    assertError(t, get, 405, -32600, /GET opens the notification stream of a 2025-era session.*subscriptions\/listen/)
    const del = await readAnswer(await fetch(url, { method: 'DELETE' }))
    assertError(t, del, 405, -32600, /DELETE ends a 2025-era session/)
  })

  t.test('a bad Origin: 403', async (t) => {
    for (const origin of ['https://evil.example', 'http://localhost.evil.example', 'null']) {
      assertError(t, await modernRequest(url, 'tools/list', {}, { headers: { origin } }), 403, -32600, /forbidden: origin .* is not allowed.*MCP_ALLOWED_ORIGINS/i)
    }
    const local = await modernRequest(url, 'tools/list', {}, { headers: { origin: 'http://localhost:5173' } })
    t.equal(local.status, 200, 'a loopback origin is allowed by default')
    // The check remembers the last allowed value: a refused one right after it is still refused, and back again.
    assertError(t, await modernRequest(url, 'tools/list', {}, { headers: { origin: 'https://evil.example' } }), 403, -32600, /origin .* is not allowed/i)
    t.equal((await modernRequest(url, 'tools/list', {}, { headers: { origin: 'http://localhost:5173' } })).status, 200, 'allowed again after a refusal')
  })

  t.test('a bad Host: 403', async (t) => {
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernEnvelope() } }
    const answer = await postWithHost(url, 'attacker.example', body)
    t.equal(answer.status, 403)
    t.equal(answer.body.error.code, -32600)
    t.match(answer.body.error.message, /forbidden: host 'attacker\.example' is not allowed.*MCP_ALLOWED_HOSTS/i)
    const allowed = await postWithHost(url, `localhost:${url.port}`, body)
    t.equal(allowed.status, 200, 'the same request to a loopback Host is served')
    t.ok(Array.isArray(allowed.body.result.tools))
    t.equal((await postWithHost(url, 'attacker.example', body)).status, 403, 'refused right after an allowed Host')
    t.equal((await postWithHost(url, 'localhost:1:2', body)).status, 400, 'a malformed Host right after an allowed one')
    t.equal((await postWithHost(url, `localhost:${url.port}`, body)).status, 200, 'allowed again after a refusal')
  })

  t.test('modern header mismatches: 400, -32020', async (t) => {
    const call = { name: 'calculate', arguments: { expression: '1' } }
    assertError(t, await modernRequest(url, 'tools/list', {}, { headers: { 'mcp-protocol-version': null } }), 400, -32020,
      /MCP-Protocol-Version header is required/)
    assertError(t, await modernRequest(url, 'tools/list', {}, { headers: { 'mcp-protocol-version': LEGACY_VERSION } }), 400, -32020,
      /MCP-Protocol-Version header value '2025-11-25' does not match body value '2026-07-28'/)
    assertError(t, await modernRequest(url, 'tools/list', {}, { headers: { 'mcp-method': null } }), 400, -32020, /Mcp-Method header is required \(expected 'tools\/list'\)/)
    assertError(t, await modernRequest(url, 'tools/list', {}, { headers: { 'mcp-method': 'prompts/list' } }), 400, -32020,
      /Mcp-Method header value 'prompts\/list' does not match body value 'tools\/list'/)
    assertError(t, await modernRequest(url, 'tools/call', call, { headers: { 'mcp-name': null } }), 400, -32020, /Mcp-Name header is required for tools\/call/)
    assertError(t, await modernRequest(url, 'tools/call', call, { headers: { 'mcp-name': 'calculus' } }), 400, -32020,
      /Mcp-Name header value 'calculus' does not match body value 'calculate'/)
    assertError(t, await modernRequest(url, 'resources/read', { uri: 'test://a' }, { headers: { 'mcp-name': 'test://b' } }), 400, -32020,
      /Mcp-Name header value 'test:\/\/b' does not match body value 'test:\/\/a'/)
    // The base64 sentinel form is decoded before comparing.
    t.equal((await modernRequest(url, 'tools/call', call, { headers: { 'mcp-name': encodeHeaderValue('calculate', { always: true }) } })).status, 200, 'an encoded matching name is accepted')
    assertError(t, await modernRequest(url, 'tools/call', call, { headers: { 'mcp-name': encodeHeaderValue('calculatE', { always: true }) } }), 400, -32020, /does not match body value 'calculate'/)
    assertError(t, await modernRequest(url, 'tools/call', call, { headers: { 'mcp-name': '=?base64?not base64!?=' } }), 400, -32020, /invalid =\?base64\?\.\.\.\?= value/)
    // The markers are case-sensitive: an upper-case one is a literal value, which does not match.
    assertError(t, await modernRequest(url, 'tools/call', call, { headers: { 'mcp-name': `=?BASE64?${Buffer.from('calculate').toString('base64')}?=` } }), 400, -32020, /does not match/)
  })

  t.test('unsupported modern version: 400, -32022 with data.supported', async (t) => {
    const meta = { ...modernEnvelope(), [META.protocolVersion]: '2099-01-01' }
    const answer = await rawPost(url, { jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: meta } },
      { ...modernHeaders('tools/list'), 'mcp-protocol-version': '2099-01-01' })
    assertError(t, answer, 400, -32022, /unsupported protocol version "2099-01-01".*supports 2026-07-28/i)
    t.same(answer.response.error.data, { supported: [MODERN_VERSION], requested: '2099-01-01' })
    t.equal(answer.response.id, 5, 'the request id is echoed')
    // A non-string version claim.
    const numeric = await rawPost(url, { jsonrpc: '2.0', id: 6, method: 'tools/list', params: { _meta: { ...modernEnvelope(), [META.protocolVersion]: 2026 } } },
      { ...modernHeaders('tools/list'), 'mcp-protocol-version': '2026' })
    assertError(t, numeric, 400, -32602, /protocolVersion" must be a protocol version string/)
    // An unknown legacy version header in a session.
    const session = await legacyInitialize(url)
    assertError(t, await legacyRequest(url, session, 'tools/list', {}, { 'mcp-protocol-version': '2024-01-01' }), 400, -32600,
      /unsupported MCP-Protocol-Version '2024-01-01'/)
  })

  t.test('missing clientCapabilities: 400, -32602', async (t) => {
    const answer = await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { [META.protocolVersion]: MODERN_VERSION } } }, modernHeaders('tools/list'))
    assertError(t, answer, 400, -32602, /clientCapabilities" is required on every request \(an object, \{\} if the client has none\)/)
    const asArray = await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { ...modernEnvelope(), [META.clientCapabilities]: [] } } }, modernHeaders('tools/list'))
    assertError(t, asArray, 400, -32602, /clientCapabilities" is required/)
    // The modern version header on a body without the _meta envelope.
    assertError(t, await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-protocol-version': MODERN_VERSION }), 400, -32602,
      /_meta lacks "io\.modelcontextprotocol\/protocolVersion" and "io\.modelcontextprotocol\/clientCapabilities"/)
  })

  t.test('a capability the request needs but did not declare: 400, -32021', async (t) => {
    const answer = await modernRequest(url, 'tools/call', { name: 'ask', arguments: { topic: 'x' } })
    assertError(t, answer, 400, -32021, /needs the client capability "elicitation"/)
    t.same(answer.response.error.data, { requiredCapabilities: { elicitation: {} } }, 'data.requiredCapabilities is a ClientCapabilities object')
  })

  t.test('invalid log level: -32602 (400 modern _meta, 200 legacy logging/setLevel)', async (t) => {
    assertError(t, await modernRequest(url, 'tools/list', {}, { meta: { [META.logLevel]: 'loud' } }), 400, -32602,
      /logLevel" must be one of debug, info, notice, warning, error, critical, alert, emergency/)
    const session = await legacyInitialize(url)
    assertError(t, await legacyRequest(url, session, 'logging/setLevel', { level: 'verbose' }), 200, -32602, /"level" must be one of debug, info/)
  })

  t.test('a handler that throws: an error result; the next request works', async (t) => {
    const thrown = await modernRequest(url, 'tools/call', { name: 'explode', arguments: {} })
    t.equal(thrown.status, 200)
    t.equal(thrown.response.result.isError, true)
    t.same(thrown.response.result.content, [{ type: 'text', text: 'Tool "explode" failed: kaboom: the widget cache is empty' }])
    const sync = await modernRequest(url, 'tools/call', { name: 'explode_sync', arguments: {} })
    t.same(sync.response.result.content, [{ type: 'text', text: 'Tool "explode_sync" failed: cannot read the frobnicator' }])
    const refused = await modernRequest(url, 'tools/call', { name: 'refuse', arguments: {} })
    t.same(refused.response.result.content, [{ type: 'text', text: 'The account "acme" is locked; unlock it in settings and retry' }], 'a ToolError\'s message as is')
    const next = await modernRequest(url, 'tools/call', { name: 'calculate', arguments: { expression: '6 * 7' } })
    t.same(next.response.result.structuredContent, { result: 42 })
  })

  t.test('a handler that never ends: its own timeoutMs fires, its signal aborted, and the result says it was abandoned (it ignored the signal)', async (t) => {
    const answer = await modernRequest(url, 'tools/call', { name: 'slow_own_timeout', arguments: {} })
    t.equal(answer.status, 200)
    t.equal(answer.response.result.isError, true)
    t.same(answer.response.result.content, [{ type: 'text', text: 'Tool "slow_own_timeout" timed out after 100 ms and was abandoned: it did not end when its signal aborted (it ignores ctx.signal), so it may still be running' }])
    t.same(await within(observed.slowAborted.promise, 2000, 'the handler signal'), { aborted: true, name: 'TimeoutError' })
  })

  t.test('a handler that never ends: limits.toolTimeoutMs fires (legacy session too)', async (t) => {
    const session = await legacyInitialize(url)
    const answer = await legacyRequest(url, session, 'tools/call', { name: 'slow_default_timeout', arguments: {} })
    t.equal(answer.status, 200)
    t.equal(answer.response.result.isError, true)
    t.match(answer.response.result.content[0].text, /^Tool "slow_default_timeout" timed out after 300 ms and was abandoned: it did not end when its signal aborted/)
    t.same(await within(observed.defaultAborted.promise, 2000, 'the handler signal'), { aborted: true, name: 'TimeoutError' })
  })

  t.test('a tampered, expired, foreign or misplaced requestState: -32602', async (t) => {
    const capabilities = { elicitation: {} }
    const args = { topic: 'birds' }
    const first = await modernRequest(url, 'tools/call', { name: 'ask', arguments: args }, { capabilities })
    t.equal(first.response.result.resultType, 'input_required')
    const state: string = first.response.result.requestState
    const answer = { 'elicitation-0': { action: 'accept', content: { word: 'wren' } } }
    const retry = (requestState: unknown, over: Record<string, unknown> = {}) =>
      modernRequest(url, 'tools/call', { name: 'ask', arguments: args, inputResponses: answer, requestState, ...over }, { capabilities })

    const runs = observed.askRuns
    const [body, mac] = state.split('.')
    const flipped = body.slice(0, 10) + (body[10] === 'A' ? 'B' : 'A') + body.slice(11)
    assertError(t, await retry(`${flipped}.${mac}`), 200, -32602, /invalid requestState: its signature does not verify/i)
    assertError(t, await retry(`${body}.${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`), 200, -32602, /signature does not verify/)
    assertError(t, await retry(body), 200, -32602, /signature does not verify/)
    assertError(t, await retry(42), 200, -32602, /invalid requestState: it must be the string the server returned/i)

    const binding = { method: 'tools/call', target: 'ask', args, principalId: undefined }
    const foreign = new RequestStateSealer(Buffer.from('another-servers-secret'), 60_000, new MemoryReplayGuard({ maxEntries: 10 })).seal(binding, {}, ['elicitation-0'])
    assertError(t, await retry(foreign), 200, -32602, /signature does not verify.*another MCP_STATE_SECRET/)
    const expired = new RequestStateSealer(Buffer.from(STATE_SECRET), -1000, new MemoryReplayGuard({ maxEntries: 10 })).seal(binding, {}, ['elicitation-0'])
    assertError(t, await retry(expired), 200, -32602, /invalid requestState: it has expired; send the request again without requestState/i)

    assertError(t, await retry(state, { arguments: { topic: 'fish' } }), 200, -32602, /belongs to a different request \(method, name or arguments changed\)/)
    assertError(t, await modernRequest(url, 'prompts/get', { name: 'ask', requestState: state }, { capabilities }), 200, -32602, /unknown prompt/i)
    assertError(t, await retry(state, { inputResponses: ['nope'] }), 200, -32602, /"inputResponses" must be an object mapping input request keys to results/)
    assertError(t, await retry(state, { inputResponses: { 'elicitation-0': 'wren' } }), 200, -32602, /inputResponses\["elicitation-0"\] must be a result object/)
    t.equal(observed.askRuns, runs, 'the handler never ran with a refused state')

    const good = await retry(state)
    t.same(good.response.result.content, [{ type: 'text', text: 'word=wren' }], 'the untouched state still works')
    assertError(t, await retry(state), 200, -32602, /already used: each requestState answers one retry/)
    t.equal(observed.askRuns, runs + 1, 'a replayed state does not run the handler again')
    assertError(t, await modernRequest(url, 'tools/call', { name: 'ask', arguments: args, inputResponses: answer }, { capabilities }), 200, -32602,
      /"inputResponses" answers the input requests of an input_required result: send it with the "requestState"/)
    const fresh = await modernRequest(url, 'tools/call', { name: 'ask', arguments: args }, { capabilities })
    // An answer to a question never asked is ignored: the unanswered one is asked again.
    const reasked = await retry(fresh.response.result.requestState, { inputResponses: { 'sampling-7': { role: 'assistant' } } })
    t.equal(reasked.response.result.resultType, 'input_required', 'a key the state did not ask is dropped, and the question is asked again')
    t.same(Object.keys(reasked.response.result.inputRequests), ['elicitation-0'])
  })

  t.test('after all of that the server answers normally, and the good clients never failed', async (t) => {
    const answer = await modernRequest(url, 'tools/call', { name: 'calculate', arguments: { expression: 'sqrt(16)' } })
    t.same(answer.response.result.structuredContent, { result: 4 })
    stop.abort()
    await loops
    t.same(good.failures, [], 'no call of the well-behaved clients failed')
    t.ok(good.calls >= 2, `the well-behaved clients made calls meanwhile (${good.calls})`)
  })
})

t.test('session limit: 503 with a retry hint; DELETE frees a place and ends the session\'s GET stream', async (t) => {
  const { url } = await startTestServer(t, { limits: { maxSessions: 1 } })
  const first = await legacyInitialize(url)
  const refused = await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'x', version: '1' } } })
  assertError(t, refused, 503, -32603, /holds as many sessions as it may, all in use; retry in \d+ s, close unused sessions \(DELETE\)/)
  t.match(refused.headers.get('retry-after'), /^\d+$/, 'Retry-After says when')
  t.ok(refused.response.error.data.retryAfterMs >= 1000, 'and so does the error\'s data')
  t.equal(refused.headers.get('mcp-session-id'), null, 'no session id for a refused initialize')

  const stream = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': first } })
  const streamText = stream.text()
  const deleted = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': first } })
  t.equal(deleted.status, 200)
  await deleted.text()
  t.equal(await within(streamText, 5000, 'the GET stream to end'), '', 'the session\'s GET stream ended')
  t.match(await legacyInitialize(url), /^[0-9a-f-]{36}$/, 'a new session fits')
})
