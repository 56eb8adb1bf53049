/**
 * `GET /metrics`: Prometheus text with requests and tool calls counted by
 * method/tool, era, transport and outcome, latency histograms, what is open
 * now, and Node's metrics; labels stay bounded whatever a client sends.
 */
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { ToolError } from '../../apps/server/src/index.ts'
import { buildTestApp, createInjectClient, modernHeaders, modernEnvelope } from '../../apps/server/src/testing/index.ts'

const plugin: FastifyPluginAsync = async (app) => {
  app.mcp.tool({ name: 'fine', description: 'Answers', handler: () => 'fine' })
  app.mcp.tool({ name: 'refuses', description: 'A tool error', handler: () => { throw new ToolError('no') } })
}

/** The value of one series in the exposition text, or undefined. */
function sample (text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const inside = line.slice(name.length + 1, line.indexOf('}'))
    const parts = inside.split(',')
    if (wanted.every((w) => parts.includes(w)) && parts.length === wanted.length) return Number(line.slice(line.indexOf('}') + 1))
  }
  return undefined
}

t.test('requests and tool calls are counted with bounded labels', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin, name: 'm' }] })
  const modern = createInjectClient(app)
  await modern.request('tools/call', { name: 'fine', arguments: {} })
  await modern.request('tools/call', { name: 'fine', arguments: {} })
  await modern.request('tools/call', { name: 'refuses', arguments: {} })
  await modern.request('tools/call', { name: 'made-up-by-a-client', arguments: {} }).catch(() => {})
  await modern.request('tools/list')
  const legacy = createInjectClient(app, { era: 'legacy' })
  await legacy.request('tools/call', { name: 'fine', arguments: {} })
  for (const method of ['x/1', 'x/2', 'x/3']) {
    await app.inject({ method: 'POST', url: '/mcp', headers: modernHeaders(method), payload: { jsonrpc: '2.0', id: 1, method, params: { _meta: modernEnvelope() } } })
  }

  const res = await app.inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const text = res.body
  const tool = (name: string, era: string, outcome: string) => sample(text, 'mcp_tool_calls_total', { tool: name, era, transport: 'http', outcome })
  t.equal(tool('fine', 'modern', 'ok'), 2, 'two modern calls of fine')
  t.equal(tool('fine', 'legacy', 'ok'), 1, 'one legacy call of fine')
  t.equal(tool('refuses', 'modern', 'tool_error'), 1, 'a tool error')
  t.equal(tool('unknown', 'modern', 'error'), 1, 'a tool the server does not have counts as "unknown"')
  t.notMatch(text, /made-up-by-a-client/, 'the client\'s tool name is no label')
  t.equal(sample(text, 'mcp_requests_total', { method: 'other', era: 'modern', transport: 'http', outcome: 'error' }), 3, 'unknown methods count as "other"')
  t.notMatch(text, /x\/1/, 'the client\'s method name is no label')
  t.equal(sample(text, 'mcp_requests_total', { method: 'tools/list', era: 'modern', transport: 'http', outcome: 'ok' }), 1)
  t.equal(sample(text, 'mcp_tool_call_duration_seconds_count', { tool: 'fine' }), 3, 'latency observed per tool')
  t.match(text, /^mcp_request_duration_seconds_bucket\{le="0\.005",method="tools\/call",era="modern",transport="http"\} \d+$/m, 'latency histogram')
  t.match(text, /^mcp_sessions_local \d+$/m, 'sessions gauge')
  t.match(text, /^mcp_calls_in_flight 0$/m, 'nothing in flight')
  t.match(text, /^mcp_websocket_connections 0$/m)
  t.match(text, /^mcp_tasks_running 0$/m, 'tasks gauge')
  t.match(text, /^nodejs_eventloop_lag_seconds /m, 'event-loop delay')
})

t.test('metricsPath: false serves nothing and measures nothing', async (t) => {
  const app = await buildTestApp(t, {}, {})
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 200, 'on by default')
  const { default: Fastify } = await import('fastify')
  const { mcpPlatform } = await import('../../apps/server/src/index.ts')
  const bare = Fastify()
  await bare.register(mcpPlatform, { metricsPath: false, stateSecret: 'x'.repeat(32) })
  t.teardown(() => bare.close())
  t.equal((await bare.inject({ url: '/metrics' })).statusCode, 404, 'off')
})

t.test('metricsToken: only a scraper with the bearer token gets the metrics', async (t) => {
  const token = 'scraper-token-0123456789'
  const app = await buildTestApp(t, { metricsToken: token })
  const none = await app.inject({ url: '/metrics' })
  t.equal(none.statusCode, 401, 'no credential: 401')
  t.equal(none.headers['www-authenticate'], 'Bearer realm="metrics"')
  t.match(none.body, /Authorization: Bearer <MCP_METRICS_TOKEN>/, 'the refusal says what to send')
  t.notMatch(none.body, /mcp_/, 'and holds no metrics')
  for (const authorization of [`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token, `Basic ${token}`]) {
    t.equal((await app.inject({ url: '/metrics', headers: { authorization } })).statusCode, 401, `refused: ${authorization.slice(0, 7)}…`)
  }
  const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })
  t.equal(ok.statusCode, 200)
  t.match(ok.body, /mcp_requests_total|# HELP/, 'the Prometheus text')
  // The MCP endpoint is not affected by the metrics token.
  t.equal((await createInjectClient(app).request('tools/list') as { tools: unknown[] }).tools.length >= 0, true)
})

t.test('MCP_METRICS_TOKEN: read from the environment; a short one is refused at start', async (t) => {
  const { loadConfig } = await import('../../apps/server/src/config/load.ts')
  const loaded = await loadConfig({ MCP_METRICS_TOKEN: 'scraper-token-0123456789' }, t.testdir())
  t.equal(loaded.metricsToken, 'scraper-token-0123456789')
  await t.rejects(buildTestApp(t, { metricsToken: 'short' }), { code: 'MCP_ERR_INVALID_CONFIG', message: /MCP_METRICS_TOKEN: must be at least 16 characters/ })
})
