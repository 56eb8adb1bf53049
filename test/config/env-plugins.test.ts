/** MCP_PLUGINS in both forms (a list of modules, JSON entries with options), LOG_FORMAT, and what the logs say about requests and sessions. */
import { PassThrough } from 'node:stream'
import t from 'tap'
import { applyEnvironment, normalizeConfig } from '../../apps/server/src/config/load.ts'
import { pluginsFromEnv } from '../../apps/server/src/config/env-plugins.ts'
import { logFormatFor } from '../../apps/server/src/ops/log-output.ts'
import { buildTestApp, legacyInitialize, startTestServer, until } from '@mcp-platform/server/testing'
import { buildApp } from '../../apps/server/src/app.ts'

t.test('a comma-separated list: one entry per module, blanks ignored', async (t) => {
  t.same(pluginsFromEnv(' ./a , @acme/b,, '), [{ module: './a' }, { module: '@acme/b' }])
  t.same(pluginsFromEnv(''), [])
  t.same(pluginsFromEnv(undefined), [])
})

t.test('a JSON array: entries with options, after the file\'s plugins', async (t) => {
  const { config, sources } = applyEnvironment({ plugins: [{ module: '@mcp-platform/calculator' }] }, {
    MCP_PLUGINS: ' [{"module":"./greeter","options":{"greeting":"Hi","nested":{"n":1}}},{"module":"@acme/tools","name":"acme"}]'
  })
  const full = normalizeConfig(config, sources)
  t.same(full.plugins, [
    { module: '@mcp-platform/calculator' },
    { module: './greeter', options: { greeting: 'Hi', nested: { n: 1 } } },
    { module: '@acme/tools', name: 'acme' }
  ])
})

t.test('bad JSON, a non-array, a bad entry: MCP_ERR_INVALID_CONFIG naming MCP_PLUGINS and the entry', async (t) => {
  t.throws(() => pluginsFromEnv('[{"module": ./x}]'), { code: 'MCP_ERR_INVALID_CONFIG', message: /MCP_PLUGINS: starts with "\[", so it must be a JSON array .* not valid JSON/ })
  t.throws(() => pluginsFromEnv('[1'), { code: 'MCP_ERR_INVALID_CONFIG', message: /MCP_PLUGINS/ })
  t.throws(() => pluginsFromEnv('[{"options":{}}]'), { message: /MCP_PLUGINS\[0\].*module/ })
  t.throws(() => pluginsFromEnv('[{"module":"./a"},{"module":"./b","option":{}}]'), { message: /MCP_PLUGINS\[1\]\.option: is not a field of a plugin entry \(misspelt\?\)/ })
  t.throws(() => pluginsFromEnv('[{"module":"./a","options":"greeting=Hi"}]'), { message: /MCP_PLUGINS\[0\]\.options: .*got "greeting=Hi"/ })
  t.throws(() => pluginsFromEnv('["./a"]'), { message: /MCP_PLUGINS\[0\]: .*got "\.\/a"/ })
})

t.test('LOG_FORMAT: auto is pretty on a terminal only; a wrong value names LOG_FORMAT', async (t) => {
  t.equal(logFormatFor('auto', Object.assign(new PassThrough(), { isTTY: true })), 'pretty')
  t.equal(logFormatFor('auto', new PassThrough()), 'json')
  t.equal(logFormatFor('pretty', new PassThrough()), 'pretty')
  t.equal(logFormatFor('json', Object.assign(new PassThrough(), { isTTY: true })), 'json')
  const { config, sources } = applyEnvironment({}, { LOG_FORMAT: 'fancy' })
  t.throws(() => normalizeConfig(config, sources), { message: /logFormat \(from LOG_FORMAT\): must be one of auto, pretty, json, got "fancy"/ })
})

t.test('the log stream gets JSON lines, or pino-pretty lines with logFormat: pretty', async (t) => {
  for (const logFormat of ['json', 'pretty'] as const) {
    const stream = new PassThrough()
    let text = ''
    stream.on('data', (chunk: Buffer) => { text += chunk.toString() })
    const app = await buildApp({ logFormat, stateSecret: 'x'.repeat(32) }, { logStream: stream })
    app.log.info({ thing: 1 }, 'hello from the test')
    await app.close()
    const line = text.split('\n').find((l) => l.includes('hello from the test'))!
    if (logFormat === 'json') t.match(JSON.parse(line), { level: 30, thing: 1, msg: 'hello from the test' }, 'JSON')
    else {
      t.match(line, /INFO.*hello from the test/, 'pretty: level name and message')
      t.throws(() => JSON.parse(line), 'pretty: not JSON')
    }
  }
})

t.test('the debug request line goes through the observer; none at info', async (t) => {
  for (const logLevel of ['debug', 'info'] as const) {
    const stream = new PassThrough()
    let text = ''
    stream.on('data', (chunk: Buffer) => { text += chunk.toString() })
    const app = await buildTestApp(t, { logLevel }, { logStream: stream })
    await app.inject({ method: 'POST', url: '/mcp', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' }, payload: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } } })
    const lines = text.split('\n').filter((l) => l.includes('"tools/list: ok in'))
    if (logLevel === 'debug') t.match(JSON.parse(lines[0]), { level: 20, method: 'tools/list', era: 'modern', transport: 'http', status: 'ok', durationMs: Number }, 'debug: the request line')
    else t.equal(lines.length, 0, 'info: no request line')
  }
})

t.test('a session that expires is logged, by reference (never its id)', async (t) => {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk: Buffer) => { text += chunk.toString() })
  const { url } = await startTestServer(t, { logLevel: 'info', limits: { sessionIdleMs: 1000, sessionUnconfirmedIdleMs: 1000 } }, { logStream: stream })
  const id = await legacyInitialize(url)
  await until(() => text.includes('session expired'), 20_000, 'the expiry log line')
  const line = JSON.parse(text.split('\n').find((l) => l.includes('session expired'))!)
  t.match(line, { level: 30, session: /^s:[0-9a-f]{12}$/, msg: /idle past its timeout \(MCP_SESSION_IDLE_MS\)/ })
  t.notOk(text.includes(id), 'the session id itself is in no log line')
})
