/** Configuration: defaults, the environment on top, and clear errors at start. */
import { spawn } from 'node:child_process'
import t from 'tap'
import { applyEnvironment, ConfigError, normalizeConfig } from '../../apps/server/src/config/load.ts'
import { FROM_SOURCES, ROOT, startServer } from '../helpers/server-process.ts'

t.test('defaults bind to loopback on port 3000 at /mcp', async (t) => {
  const config = normalizeConfig({})
  t.equal(config.host, '127.0.0.1')
  t.equal(config.port, 3000)
  t.equal(config.path, '/mcp')
  t.equal(config.limits.toolTimeoutMs, 30_000)
  t.same(config.allowedOrigins, [])
})

t.test('the environment overrides the file, and MCP_PLUGINS adds plugins', async (t) => {
  const { config, sources } = applyEnvironment(
    { port: 3000, plugins: [{ module: '@mcp-platform/calculator' }], limits: { pageSize: 10 } },
    { PORT: '4000', MCP_TOOL_TIMEOUT_MS: '500', MCP_ALLOWED_ORIGINS: 'https://a.example, https://b.example', MCP_PLUGINS: './x, ./y', MCP_STATE_SECRET: 's3cret' }
  )
  const full = normalizeConfig(config, sources)
  t.equal(full.port, 4000)
  t.equal(full.limits.toolTimeoutMs, 500)
  t.equal(full.limits.pageSize, 10, 'values the environment does not set are kept')
  t.same(full.allowedOrigins, ['https://a.example', 'https://b.example'])
  t.same(full.plugins.map((p) => 'module' in p ? p.module : '?'), ['@mcp-platform/calculator', './x', './y'])
  t.equal(full.stateSecret, 's3cret')
})

t.test('a wrong value names the setting, its source and the problem', async (t) => {
  const { config, sources } = applyEnvironment({}, { PORT: 'eighty', MCP_PAGE_SIZE: '0', LOG_LEVEL: 'loud' })
  const error = t.throws(() => normalizeConfig(config, sources)) as ConfigError & { code: string }
  t.equal(error.code, 'MCP_ERR_INVALID_CONFIG')
  t.ok(error instanceof ConfigError, 'configuration errors are still instances of ConfigError')
  t.match(error.message, /port \(from PORT\): .*got "eighty"/)
  t.match(error.message, /limits\.pageSize \(from MCP_PAGE_SIZE\): Expected integer to be greater or equal to 1, got 0/)
  t.match(error.message, /logLevel \(from LOG_LEVEL\): must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/)
})

t.test('a plugin entry that is neither a module nor a function is refused', async (t) => {
  t.throws(() => normalizeConfig({ plugins: [{ plugin: 'nope' as never }] }), { code: 'MCP_ERR_INVALID_CONFIG', message: /plugins\.0: must be/ })
})

t.test('npm start with a wrong environment value exits 1 with the message', async (t) => {
  const child = spawn(process.execPath, FROM_SOURCES, {
    cwd: ROOT, env: { ...process.env, PORT: '99999' }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  t.equal(code, 1)
  t.match(stderr, /MCP_ERR_INVALID_CONFIG/)
  t.notMatch(stderr, /\n\s+at /, 'no stack trace')
  t.match(stderr, /Invalid configuration:\n\s+- port \(from PORT\): Expected integer to be less or equal to 65535, got 99999/)
})

t.test('a plugin that fails to load stops the start with its name', async (t) => {
  const child = spawn(process.execPath, FROM_SOURCES, {
    cwd: ROOT, env: { ...process.env, PORT: '0', MCP_PLUGINS: './no/such/plugin' }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  t.equal(code, 1)
  t.match(output, /MCP_ERR_PLUGIN_NOT_FOUND/)
  t.match(output, /Plugin "\.\/no\/such\/plugin" not found/)
})

t.test('npm start serves, answers /health, and exits 0 on SIGTERM', async (t) => {
  const server = await startServer(t)
  const health = await fetch(new URL('/health', server.url))
  t.equal(health.status, 200)
  t.match(await health.json(), { status: 'ok' })
  t.equal(await server.stop(), 0)
})
