/**
 * Host errors: every code errors.ts exports is provoked here for real and
 * asserted by its code (not its sentence); docs/errors.md lists exactly these
 * codes. Start-up failures are real: a port taken by another listener, a host
 * that does not resolve, a plugin folder that throws, and `main.ts` run as
 * `npm start` runs it.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp, ConfigError, errorCodes, isHostError, mcpPlatform } from '@mcp-platform/server'
import { loadConfig } from '../../apps/server/src/config/load.ts'
import { loadPlugin, registerToolPlugin } from '../../apps/server/src/config/plugins.ts'
import { listenError } from '../../apps/server/src/ops/startup-errors.ts'
import { Registry } from '../../apps/server/src/registry/registry.ts'
import { FROM_SOURCES, ROOT } from '../helpers/server-process.ts'

const CODES = Object.keys(errorCodes).filter((name) => name.startsWith('MCP_ERR_')).sort()

/** Codes asserted so far: the last test checks that every code was provoked. */
const provoked = new Set<string>()

/** Asserts the code (and that the message is complete), and records it. */
function expectCode (t: Test, error: unknown, code: string, what = code): Error & { code: string } {
  const coded = error as Error & { code: string }
  t.equal(coded?.code, code, `${what}: ${code}`)
  t.ok(isHostError(error), `${what}: a host error`)
  t.notMatch(coded?.message ?? '', /%[sdifjoO]/, `${what}: every placeholder of the message is filled`)
  if (coded?.code === code) provoked.add(code)
  return coded
}

/** What a function throws (undefined if it does not). */
function thrown (fn: () => unknown): unknown {
  try { fn() } catch (error) { return error }
  return undefined
}

async function rejection (promise: PromiseLike<unknown>): Promise<unknown> {
  try { await promise } catch (error) { return error }
  return undefined
}

function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-host-errors-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Writes files (path → content) under `dir`, creating folders. */
function writeFiles (dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
}

/** A plugin folder whose register function throws, as a broken plugin would. */
const THROWING_PLUGIN = {
  'package.json': JSON.stringify({ name: 'broken-plugin', type: 'module', main: 'lib/plugin.js' }),
  'lib/plugin.js': 'export default async function brokenPlugin (app) {\n  throw new Error(\'cannot reach the inventory database at db.internal:5432\')\n}\n'
}

const handler = () => 'x'

t.test('registration: duplicates, names, URIs, handlers, schemas, header params, completers', async (t) => {
  const registry = () => new Registry()
  const tool = { name: 'lookup', description: 'x', handler }

  const tools = registry()
  tools.addTool('first', tool)
  expectCode(t, thrown(() => tools.addTool('second', tool)), 'MCP_ERR_DUPLICATE_TOOL')

  const resources = registry()
  resources.addResource('first', { uri: 'file:///a.txt', name: 'a', read: () => 'a' })
  expectCode(t, thrown(() => resources.addResource('second', { uri: 'file:///a.txt', name: 'a', read: () => 'a' })), 'MCP_ERR_DUPLICATE_RESOURCE')

  const templates = registry()
  templates.addTemplate('first', { uriTemplate: 'db://{table}', name: 't', read: () => 't' })
  expectCode(t, thrown(() => templates.addTemplate('second', { uriTemplate: 'db://{table}', name: 't', read: () => 't' })), 'MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE')

  const prompts = registry()
  prompts.addPrompt('first', { name: 'greet', handler })
  expectCode(t, thrown(() => prompts.addPrompt('second', { name: 'greet', handler })), 'MCP_ERR_DUPLICATE_PROMPT')

  for (const name of ['has space', '', 'x'.repeat(129)]) {
    expectCode(t, thrown(() => registry().addTool('p', { ...tool, name })), 'MCP_ERR_INVALID_TOOL_NAME', `tool name ${JSON.stringify(name.slice(0, 10))}`)
  }
  expectCode(t, thrown(() => registry().addPrompt('p', { name: '', handler })), 'MCP_ERR_INVALID_PROMPT_NAME')
  expectCode(t, thrown(() => registry().addResource('p', { uri: 'notes.txt', name: 'n', read: () => 'x' })), 'MCP_ERR_INVALID_RESOURCE_URI')

  expectCode(t, thrown(() => registry().addTool('p', { name: 'n', description: 'x' } as never)), 'MCP_ERR_MISSING_HANDLER', 'a tool without handler')
  expectCode(t, thrown(() => registry().addResource('p', { uri: 'file:///a', name: 'a' } as never)), 'MCP_ERR_MISSING_HANDLER', 'a resource without read')
  expectCode(t, thrown(() => registry().addTemplate('p', { uriTemplate: 'db://{t}', name: 'a' } as never)), 'MCP_ERR_MISSING_HANDLER', 'a template without read')
  expectCode(t, thrown(() => registry().addPrompt('p', { name: 'a' } as never)), 'MCP_ERR_MISSING_HANDLER', 'a prompt without handler')

  const removed = registry().addTool('p', tool)
  removed.remove()
  expectCode(t, thrown(() => removed.disable()), 'MCP_ERR_REGISTRATION_REMOVED', 'a removed handle')
  expectCode(t, await rejection(registry().scoped('p').call('nope')), 'MCP_ERR_UNKNOWN_TOOL', 'app.mcp.call of an unknown tool')
  expectCode(t, thrown(() => registry().addTool('p', { ...tool, input: Type.String() as never })), 'MCP_ERR_INVALID_SCHEMA', 'a non-object input')
  const invalid = expectCode(t, thrown(() => registry().addTool('p', { ...tool, input: Type.Unsafe({ type: 'object', properties: { a: { type: 'strin' } } }) })),
    'MCP_ERR_INVALID_SCHEMA', 'an invalid JSON Schema')
  t.ok(invalid.cause instanceof Error, 'the validator compiler\'s error is the cause')
  expectCode(t, thrown(() => registry().addTool('p', { ...tool, output: Type.Unsafe({ type: 'object', required: 'a' }) })), 'MCP_ERR_INVALID_SCHEMA', 'an invalid output schema')
  expectCode(t, thrown(() => registry().addTool('p', { ...tool, input: Type.Unsafe({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' }) })),
    'MCP_ERR_UNSUPPORTED_SCHEMA_DIALECT')
  expectCode(t, thrown(() => registry().addTool('p', { ...tool, input: Type.Object({ ratio: Type.Number({ 'x-mcp-header': 'Ratio' }) }) })), 'MCP_ERR_INVALID_HEADER_PARAM')
  expectCode(t, thrown(() => registry().addPrompt('p', { name: 'q', arguments: Type.Object({ a: Type.String() }), complete: { b: () => [] } as never, handler })),
    'MCP_ERR_INVALID_COMPLETER', 'a prompt completer for no argument')
  expectCode(t, thrown(() => registry().addTemplate('p', { uriTemplate: 'db://{table}', name: 't', complete: { tabel: () => [] } as never, read: () => 't' })),
    'MCP_ERR_INVALID_COMPLETER', 'a template completer for no variable')
})

t.test('registration errors from a plugin keep their code at start (not wrapped), and name the plugin', async (t) => {
  const lookup = (name: string): FastifyPluginAsync => async (app) => { app.mcp.tool({ name: 'lookup', description: name, handler }) }
  const error = expectCode(t, await rejection(buildApp({ logLevel: 'silent', stateSecret: 's', plugins: [{ plugin: lookup('a'), name: 'weather' }, { plugin: lookup('b'), name: 'inventory' }] })),
    'MCP_ERR_DUPLICATE_TOOL')
  t.match(error.message, /"weather".*"inventory"/, 'both plugins are named')
})

t.test('configuration: wrong values name the setting and the file or variable they come from', async (t) => {
  const dir = tempDir(t)
  writeFiles(dir, {
    'bad.config.mjs': 'export default { port: "eighty", limits: { pageSize: 0, toolTimeoutMs: 5 }, prot: 3000, plugins: [{ modul: "./x" }] }\n'
  })
  const file = join(dir, 'bad.config.mjs')
  const error = expectCode(t, await rejection(loadConfig({ MCP_CONFIG: 'bad.config.mjs', MCP_TOOL_TIMEOUT_MS: '0' }, dir)), 'MCP_ERR_INVALID_CONFIG')
  t.ok(error instanceof ConfigError, 'instanceof ConfigError')
  const line = (setting: string) => error.message.split('\n').find((text) => text.startsWith(`  - ${setting} `)) ?? ''
  t.match(line('port'), `(from ${file})`, 'a value from the file names the file')
  t.match(line('limits.pageSize'), `(from ${file})`)
  t.match(line('prot'), `(from ${file}): is not a setting`, 'an unknown setting names the file')
  t.match(line('plugins.0'), `(from ${file})`, 'a malformed plugin entry names the file')
  t.match(line('limits.toolTimeoutMs'), '(from MCP_TOOL_TIMEOUT_MS)', 'the environment wins over the file, and is named')
  t.notMatch(error.message, /got 5\b/, 'the file\'s overridden value is not reported')

  const secret = expectCode(t, await rejection(buildApp({ jwtSecret: 'short' })), 'MCP_ERR_INVALID_CONFIG', 'a short MCP_JWT_SECRET')
  t.match(secret.message, 'MCP_JWT_SECRET')
})

t.test('configuration: a config file that is missing, broken or exports no object', async (t) => {
  const dir = tempDir(t)
  writeFiles(dir, {
    'throws.config.mjs': 'throw new Error("SECRET_FILE is not readable")\n',
    'syntax.config.mjs': 'export default { port: 3000,, }\n',
    'no-default.config.mjs': 'export const config = { port: 3000 }\n',
    'array.config.mjs': 'export default [{ port: 3000 }]\n'
  })
  const missing = expectCode(t, await rejection(loadConfig({ MCP_CONFIG: 'nope.config.ts' }, dir)), 'MCP_ERR_CONFIG_NOT_FOUND')
  t.match(missing.message, join(dir, 'nope.config.ts'), 'names the file looked for')
  t.ok(missing instanceof ConfigError)

  for (const name of ['throws', 'syntax', 'no-default', 'array']) {
    const error = expectCode(t, await rejection(loadConfig({ MCP_CONFIG: `${name}.config.mjs` }, dir)), 'MCP_ERR_CONFIG_FILE', `${name}.config.mjs`)
    t.match(error.message, join(dir, `${name}.config.mjs`), `${name}: names the file`)
    t.ok(error instanceof ConfigError, `${name}: instanceof ConfigError`)
    if (name === 'throws') t.match((error.cause as Error).message, 'SECRET_FILE is not readable', 'the import error is the cause')
  }
})

t.test('plugin loading: not found, no entry point, failing import, no export', async (t) => {
  const dir = tempDir(t)
  writeFiles(dir, {
    'empty/README.md': 'no code here\n',
    'unbuilt/package.json': JSON.stringify({ name: 'unbuilt', main: 'dist/index.js' }),
    'top-level-throw.mjs': 'throw new Error("WEATHER_API_KEY is not set")\n',
    'missing-dependency.mjs': 'import "@mcp-platform/no-such-dependency"\nexport default async function () {}\n',
    'bad-manifest/package.json': '{ "main": ',
    'named-only.mjs': 'export async function greeter () {}\n',
    'object-default.mjs': 'export default { name: "not a function" }\n'
  })
  const load = async (module: string) => await rejection(loadPlugin({ module }, dir))

  const path = expectCode(t, await load('./no/such/plugin'), 'MCP_ERR_PLUGIN_NOT_FOUND', 'a missing path')
  t.match(path.message, join(dir, 'no/such/plugin'))
  const pkg = expectCode(t, await load('@mcp-platform/no-such-plugin'), 'MCP_ERR_PLUGIN_NOT_FOUND', 'a package that is not installed')
  t.match(pkg.message, '@mcp-platform/no-such-plugin')

  expectCode(t, await load('./empty'), 'MCP_ERR_PLUGIN_NO_ENTRY', 'a folder without package.json or index')
  const unbuilt = expectCode(t, await load('./unbuilt'), 'MCP_ERR_PLUGIN_NO_ENTRY', 'a package.json naming a missing file')
  t.match(unbuilt.message, 'dist/index.js')

  const thrower = expectCode(t, await load('./top-level-throw.mjs'), 'MCP_ERR_PLUGIN_LOAD', 'a module that throws when imported')
  t.match(thrower.message, join(dir, 'top-level-throw.mjs'), 'names the file')
  t.match((thrower.cause as Error).message, 'WEATHER_API_KEY is not set', 'the import error is the cause')
  expectCode(t, await load('./missing-dependency.mjs'), 'MCP_ERR_PLUGIN_LOAD', 'a module whose dependency is missing')
  expectCode(t, await load('./bad-manifest'), 'MCP_ERR_PLUGIN_LOAD', 'an invalid package.json')

  expectCode(t, await load('./named-only.mjs'), 'MCP_ERR_PLUGIN_NO_EXPORT', 'only a named export')
  const object = expectCode(t, await load('./object-default.mjs'), 'MCP_ERR_PLUGIN_NO_EXPORT', 'an object as default export')
  t.match(object.message, join(dir, 'object-default.mjs'))

  const calculator = await loadPlugin({ module: '@mcp-platform/calculator' }, dir)
  t.match(calculator.file, /plugins\/calculator\/src\/index\.ts$/, 'a package plugin carries its resolved file')
})

t.test('plugin registration: a plugin that throws is named with its file, the original error is the cause', async (t) => {
  const dir = tempDir(t)
  writeFiles(dir, THROWING_PLUGIN)
  const pluginFile = join(dir, 'lib/plugin.js')

  // Through the functions: loadPlugin, then registerToolPlugin on a bare Fastify instance.
  const loaded = await loadPlugin({ module: dir, options: { region: 'eu' } }, ROOT)
  t.equal(loaded.file, pluginFile, 'loadPlugin resolves the file of a folder plugin')
  const app: FastifyInstance = Fastify({ logger: false })
  t.teardown(() => app.close())
  registerToolPlugin(app, loaded)
  const error = expectCode(t, await rejection(app.ready()), 'MCP_ERR_PLUGIN_REGISTER')
  t.match(error.message, `"${dir}"`, 'names the plugin')
  t.match(error.message, pluginFile, 'names its file')
  t.match(error.message, 'cannot reach the inventory database', 'quotes what it threw')
  t.match((error.cause as Error).message, 'cannot reach the inventory database at db.internal:5432', 'keeps the original error as cause')

  // Through buildApp, with a name from the configuration.
  const built = expectCode(t, await rejection(buildApp({ logLevel: 'silent', stateSecret: 's', plugins: [{ module: dir, name: 'inventory' }] })), 'MCP_ERR_PLUGIN_REGISTER', 'buildApp')
  t.match(built.message, /Plugin "inventory" \(.*lib\/plugin\.js\)/)

  // A child plugin registered without await fails after the plugin function returned: still attributed.
  const parent: FastifyPluginAsync = async (app) => { app.register(async function child () { throw new Error('child failed') }) }
  const child = expectCode(t, await rejection(buildApp({ logLevel: 'silent', stateSecret: 's', plugins: [{ plugin: parent, name: 'parent' }] })), 'MCP_ERR_PLUGIN_REGISTER', 'a failing child plugin')
  t.match(child.message, /Plugin "parent" .*child failed/)

  // An imported function has no file; it is said so, and non-Error throws are quoted too.
  const inline: FastifyPluginAsync = async () => { throw 'plain string' as unknown as Error } // eslint-disable-line no-throw-literal
  const fn = expectCode(t, await rejection(buildApp({ logLevel: 'silent', stateSecret: 's', plugins: [{ plugin: inline, name: 'inline' }] })), 'MCP_ERR_PLUGIN_REGISTER', 'an imported function')
  t.match(fn.message, /Plugin "inline" \(a function given in the configuration\).*plain string/)
})

/** A listener on a free loopback port, closed when the test ends. */
async function occupyPort (t: Test): Promise<number> {
  const holder = Fastify({ logger: false })
  await holder.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => holder.close())
  return (holder.server.address() as { port: number }).port
}

t.test('start-up: a port in use, a host that does not resolve, a host that is not local', async (t) => {
  const listen = async (host: string, port: number) => {
    const app = Fastify({ logger: false })
    try {
      await app.listen({ host, port })
    } catch (error) {
      return listenError(error, { host, port })
    } finally {
      await app.close()
    }
    return undefined
  }
  const port = await occupyPort(t)
  const inUse = expectCode(t, await listen('127.0.0.1', port), 'MCP_ERR_PORT_IN_USE')
  t.match(inUse.message, String(port))
  t.equal((inUse.cause as { code?: string }).code, 'EADDRINUSE', 'the listen error is the cause')
  expectCode(t, await listen('localhost', port), 'MCP_ERR_PORT_IN_USE', 'localhost (every loopback address)')

  const unresolved = expectCode(t, await listen('no-such-host.invalid', 0), 'MCP_ERR_HOST_UNRESOLVED')
  t.match(unresolved.message, 'no-such-host.invalid')
  t.match((unresolved.cause as { code?: string }).code, /^(ENOTFOUND|EAI_AGAIN)$/)

  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
  const notLocal = expectCode(t, await listen('192.0.2.1', 0), 'MCP_ERR_HOST_NOT_LOCAL')
  t.match(notLocal.message, '192.0.2.1')

  const other = new Error('something else')
  t.equal(listenError(other, { host: '127.0.0.1', port: 1 }), other, 'other failures are returned unchanged')
})

/** Runs apps/server/src/main.ts as `npm start` does; resolves with its exit code and output. */
async function start (env: Record<string, string>): Promise<{ code: number | null, output: string }> {
  const child = spawn(process.execPath, FROM_SOURCES, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', MCP_STATE_SECRET: 'test-secret', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { code, output }
}

t.test('npm start: a plugin that throws while registering, a port in use, an unresolvable host', async (t) => {
  const dir = tempDir(t)
  writeFiles(dir, { ...THROWING_PLUGIN, 'empty.config.mjs': 'export default {}\n' })
  const config = join(dir, 'empty.config.mjs')

  const plugin = await start({ MCP_CONFIG: config, MCP_PLUGINS: dir })
  t.equal(plugin.code, 1, 'a throwing plugin: exit 1')
  t.match(plugin.output, 'MCP_ERR_PLUGIN_REGISTER', 'names the code')
  t.match(plugin.output, join(dir, 'lib/plugin.js'), 'names the plugin file')
  t.match(plugin.output, 'cannot reach the inventory database')
  t.notMatch(plugin.output, /\n\s+at /, 'one readable message, no stack')
  provoked.add('MCP_ERR_PLUGIN_REGISTER')

  const port = await occupyPort(t)
  const inUse = await start({ MCP_CONFIG: config, HOST: '127.0.0.1', PORT: String(port) })
  t.equal(inUse.code, 1, 'a port in use: exit 1')
  t.match(inUse.output, 'MCP_ERR_PORT_IN_USE')
  t.match(inUse.output, String(port))
  t.notMatch(inUse.output, /\n\s+at /, 'no stack')

  // Past the public-bind checks (opted out here), to reach the listen error.
  const host = await start({ MCP_CONFIG: config, HOST: 'no-such-host.invalid', MCP_ALLOW_UNAUTHENTICATED_PUBLIC: '1', MCP_ALLOWED_HOSTS: '*' })
  t.equal(host.code, 1, 'an unresolvable host: exit 1')
  t.match(host.output, 'MCP_ERR_HOST_UNRESOLVED')
  t.match(host.output, 'no-such-host.invalid')
})

t.test('embedding: wrong mcpPlatform options, and a second WebSocket transport on one server', async (t) => {
  const wrong = Fastify()
  wrong.register(mcpPlatform, { limits: { pageSize: 0 } })
  expectCode(t, await wrong.ready().then(() => undefined, (error: unknown) => error), 'MCP_ERR_INVALID_PLATFORM_OPTIONS')
  await wrong.close()
  const twice = Fastify()
  twice.register(async (scope) => { await scope.register(mcpPlatform) }, { prefix: '/a' })
  twice.register(async (scope) => { await scope.register(mcpPlatform) }, { prefix: '/b' })
  expectCode(t, await twice.ready().then(() => undefined, (error: unknown) => error), 'MCP_ERR_WEBSOCKET_TWICE')
  await twice.close()
})

t.test('authorization: a public bind without auth or Host names, a bad API keys file, bad scopes', async (t) => {
  expectCode(t, await rejection(buildApp({ logLevel: 'silent', host: '0.0.0.0' })), 'MCP_ERR_UNAUTHENTICATED_PUBLIC_BIND')
  expectCode(t, await rejection(buildApp({ logLevel: 'silent', host: '0.0.0.0', auth: { allowUnauthenticatedPublic: true } })), 'MCP_ERR_PUBLIC_HOSTS')
  const dir = tempDir(t)
  writeFiles(dir, { 'keys.json': JSON.stringify({ keys: [{ sha256: 'not-hex', principal: 'svc' }] }) })
  const file = expectCode(t, await rejection(buildApp({ logLevel: 'silent', auth: { mode: 'apikey', apiKeysFile: join(dir, 'keys.json') } })), 'MCP_ERR_API_KEYS_FILE')
  t.match(file.message, /keys\/0\/sha256/)
  expectCode(t, await rejection(buildApp({ logLevel: 'silent', auth: { mode: 'apikey', apiKeysFile: join(dir, 'missing.json') } })), 'MCP_ERR_API_KEYS_FILE', 'a missing file')
  const scoped = thrown(() => new Registry().scoped('p').tool({ name: 't', description: 'd', scopes: ['has space'], handler: () => '' }))
  expectCode(t, scoped, 'MCP_ERR_INVALID_SCOPES')
})

t.test('docs/errors.md lists exactly the codes errors.ts exports', async (t) => {
  t.ok(CODES.length > 0)
  for (const name of CODES) {
    const Constructor = (errorCodes as unknown as Record<string, new () => { code: string }>)[name]
    t.equal(new Constructor().code, name, `${name} is exported under its own code`)
  }
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8')
  const rows = [...doc.matchAll(/^\| `(MCP_ERR_[A-Z_]+)` \|/gm)].map((match) => match[1])
  t.same([...rows].sort(), CODES, 'one table row per code, no more')
  t.equal(new Set(rows).size, rows.length, 'no code is listed twice')
  const unknown = [...new Set(doc.match(/MCP_ERR_[A-Z_]+/g))].filter((code) => !CODES.includes(code))
  t.same(unknown, [], 'every code the page mentions exists')
})

t.test('every code was provoked by a test above', async (t) => {
  t.same([...provoked].sort(), CODES)
})
