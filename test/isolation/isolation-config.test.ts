/**
 * Isolation settings in plugin entries and MCP_PLUGINS (issue 13): wrong
 * values are refused at start naming the entry, and what cannot cross into an
 * isolated plugin (routes, the host's decorators) is refused with a message
 * saying what to do.
 */
import t from 'tap'
import type { FastifyPluginAsync } from 'fastify'
import { applyEnvironment, normalizeConfig } from '../../apps/server/src/config/load.ts'
import { buildTestApp } from '../../apps/server/src/testing/index.ts'
import { ROOT } from '../helpers/server-process.ts'

const noop: FastifyPluginAsync = async () => {}

t.test('wrong isolation settings are configuration errors naming the entry', async (t) => {
  t.throws(() => normalizeConfig({ plugins: [{ plugin: noop, isolate: 'worker' } as never] }),
    { code: 'MCP_ERR_INVALID_CONFIG', message: /plugins\.0: "isolate" needs a \{ module \} entry \(an imported function cannot be sent to a worker or a process\)/ })
  t.throws(() => normalizeConfig({ plugins: [{ module: './x', isolate: 'thread' as never }] }),
    { message: /plugins\.0: isolate: must be "worker" or "process", got "thread"/ })
  t.throws(() => normalizeConfig({ plugins: [{ module: './x', limits: { memoryMb: 64 } }] }),
    { message: /plugins\.0: limits\.memoryMb needs "isolate" \("worker" or "process"\): an in-process plugin shares the host's heap and CPU/ })
  t.throws(() => normalizeConfig({ plugins: [{ module: './x', isolate: 'worker', permissions: { net: ['example.com'] } }] }),
    { message: /plugins\.0: "permissions" applies to isolate: "process" only/ })
  t.throws(() => normalizeConfig({ plugins: [{ module: './x', isolate: 'process', limits: { cpuMs: 1 } }] }),
    { message: /plugins\.0: limits\.cpuMs: Expected integer to be greater or equal to 10, got 1/ })
  t.doesNotThrow(() => normalizeConfig({ plugins: [{ module: './x', isolate: 'process', limits: { memoryMb: 128, cpuMs: 500, concurrency: 4 }, permissions: { net: ['api.example.com'], fsRead: ['/srv/data'] } }] }))
  t.doesNotThrow(() => normalizeConfig({ plugins: [{ plugin: noop, limits: { concurrency: 2 } }] }), 'an in-process entry may cap its tools')
})

t.test('MCP_PLUGINS: a list of modules, or a JSON array of entries with isolation settings', async (t) => {
  const listed = applyEnvironment({}, { MCP_PLUGINS: 'a, ./b' }).config.plugins
  t.same(listed, [{ module: 'a' }, { module: './b' }])
  const entry = { module: './test/fixtures/misbehaving', isolate: 'process', limits: { cpuMs: 500 }, permissions: { net: ['127.0.0.1'] } }
  const { config, sources } = applyEnvironment({ plugins: [{ module: 'first' }] }, { MCP_PLUGINS: JSON.stringify([entry]) })
  t.same(config.plugins, [{ module: 'first' }, entry], 'appended to the file\'s plugins')
  t.equal(sources.get('plugins.1'), 'MCP_PLUGINS')
  // The JSON form is checked as it is read (config/env-plugins.ts), naming MCP_PLUGINS and the field.
  t.throws(() => applyEnvironment({}, { MCP_PLUGINS: '[{"module": ' }), { message: /MCP_PLUGINS: starts with "\[".*not valid JSON/ })
  t.throws(() => applyEnvironment({}, { MCP_PLUGINS: '[{"module": "./x", "isolate": "vm"}]' }), { message: /MCP_PLUGINS\[0\]\.isolate: .*got "vm"/ })
})

t.test('what cannot cross into an isolated plugin is refused at start', async (t) => {
  await t.rejects(buildTestApp(t, { plugins: [{ module: './test/fixtures/isolation-refused/route.ts', isolate: 'worker' }] }, { cwd: ROOT }), {
    code: 'MCP_ERR_PLUGIN_REGISTER',
    message: /route\.ts.*it adds the HTTP route GET \/status, which an isolated plugin cannot serve \(routes stay in the host\): load it in-process \(no "isolate"\)/
  })
  await t.rejects(buildTestApp(t, { plugins: [{ module: './test/fixtures/isolation-refused/core.ts', isolate: 'worker' }] }, { cwd: ROOT }), {
    code: 'MCP_ERR_PLUGIN_REGISTER',
    message: /app\.mcpCore is the host's protocol core and cannot cross into an isolated plugin/
  })
  await t.rejects(buildTestApp(t, { plugins: [{ module: './test/fixtures/isolation-refused/throws.ts', isolate: 'worker' }] }, { cwd: ROOT }), {
    code: 'MCP_ERR_PLUGIN_REGISTER',
    message: /throws\.ts\) failed while registering: the widget registry is not configured \(loaded isolated: worker\)/
  })
  await t.rejects(buildTestApp(t, { plugins: [{ module: './test/fixtures/no-such-plugin', isolate: 'worker' }] }, { cwd: ROOT }), { code: 'MCP_ERR_PLUGIN_NOT_FOUND' })
})

t.test('a default plugin loads isolated unchanged: calculate in a worker', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ module: '@mcp-platform/calculator', isolate: 'worker', limits: { concurrency: 1 } }] }, { cwd: ROOT })
  const answer = await app.inject({
    method: 'POST',
    url: '/mcp',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-method': 'tools/call', 'mcp-name': 'calculate', 'mcp-protocol-version': '2026-07-28' },
    payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'calculate', arguments: { expression: '2 * (3 + 4)' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 't', version: '0' }, 'io.modelcontextprotocol/clientCapabilities': {} } } })
  })
  t.equal(answer.statusCode, 200, answer.body)
  t.same(JSON.parse(answer.body).result.structuredContent, { result: 14 })
  t.same(app.mcpCore.registry.tools.get('calculate')?.listing.outputSchema, { type: 'object', properties: { result: { type: 'number', description: 'The value of the expression' } }, required: ['result'] }, 'its schemas crossed as plain JSON Schema')
})

t.test('an embedder registers an isolated plugin next to its own routes', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { isolatedPlugin, mcpPlatform } = await import('../../apps/server/src/index.ts')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(mcpPlatform, { stateSecret: 'embedder-secret-embedder-secret!', serverInfo: { name: 'embedded', version: '1.0.0' } })
  await app.register(isolatedPlugin, { module: '@mcp-platform/calculator', isolate: 'worker', cwd: ROOT, limits: { concurrency: 1 } })
  await app.ready()
  t.same([...app.mcpCore.registry.tools.keys()], ['calculate'])
  t.equal(app.mcpCore.registry.tools.get('calculate')?.owner, '@mcp-platform/calculator', 'attributed to the plugin')
})
