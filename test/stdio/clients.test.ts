/**
 * The server over stdio, as desktop clients launch it (`mcp-platform --stdio`,
 * here from the sources): the official SDK clients of both eras and the
 * Inspector CLI each list the tools of the three default plugins and call
 * one of each (calculator, weather against the local Open-Meteo replay,
 * db against the embedded SQLite).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js'
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js'
import { Client as ClientV2 } from '@modelcontextprotocol/client'
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio'
import { LEGACY_VERSION, MODERN_VERSION } from '@mcp-platform/server/testing'
import { startReplayServer } from '../../plugins/weather/test/helpers/replay-server.ts'
import { FROM_SOURCES, ROOT } from '../helpers/server-process.ts'

const run = promisify(execFile)
const TOOLS = ['calculate', 'weather_current', 'weather_forecast', 'db_query', 'db_list_tables', 'db_describe_table']

const replay = await startReplayServer()
t.teardown(async () => { await replay.close() })

const home = mkdtempSync(join(tmpdir(), 'mcp-stdio-home-'))
t.teardown(() => { rmSync(home, { recursive: true, force: true }) })

/** What the client's config gives: the command, its arguments, its environment (the weather plugin pointed at the replay). */
const command = process.execPath
const args = [...FROM_SOURCES, '--stdio']
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: home,
  WEATHER_API_URL: replay.url,
  GEOCODING_API_URL: replay.url,
  LOG_LEVEL: 'warn'
}

interface ToolResult { isError?: boolean, structuredContent?: any }

async function exercise (t: Test, listTools: () => Promise<{ tools: Array<{ name: string }> }>, callTool: (name: string, args: Record<string, unknown>) => Promise<ToolResult>): Promise<void> {
  const { tools } = await listTools()
  const names = tools.map((tool) => tool.name)
  for (const name of TOOLS) t.ok(names.includes(name), `${name} is listed`)
  const sum = await callTool('calculate', { expression: '2 * (3 + 4) ^ 2' })
  t.same(sum.structuredContent, { result: 98 }, 'calculate answers')
  const weather = await callTool('weather_current', { location: 'Berlin' })
  t.notOk(weather.isError, 'weather_current answers')
  t.match(weather.structuredContent, { place: { name: 'Berlin' }, current: { temperature: 21.4 } }, 'from the replayed Open-Meteo')
  const count = await callTool('db_query', { sql: 'select count(*) as n from customers' })
  t.notOk(count.isError, 'db_query answers')
  t.same(count.structuredContent.columns, ['n'])
  t.ok(count.structuredContent.rows[0][0] > 0, 'the seeded table has rows')
}

t.test('SDK v1 (2025-11-25): StdioClientTransport and Client, initialize handshake', async (t) => {
  const transport = new StdioV1({ command, args, env, cwd: ROOT, stderr: 'pipe' })
  const client = new ClientV1({ name: 'sdk-v1-stdio', version: '1.0.0' })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  t.equal(client.getServerVersion()?.name, 'mcp-platform')
  t.ok(client.getServerCapabilities()?.tools, 'tools capability')
  await exercise(t, async () => await client.listTools(), async (name, args) => await client.callTool({ name, arguments: args }) as ToolResult)
})

t.test('SDK v2 (2026-07-28): the server/discover probe selects the modern era over stdio', async (t) => {
  const transport = new StdioV2({ command, args, env, cwd: ROOT, stderr: 'pipe' })
  const client = new ClientV2({ name: 'sdk-v2-stdio', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  t.equal(client.getNegotiatedProtocolVersion(), MODERN_VERSION, 'modern era negotiated by the probe')
  await exercise(t, async () => await client.listTools(), async (name, args) => await client.callTool({ name, arguments: args }) as ToolResult)
})

t.test('SDK v2 in legacy mode: initialize over stdio', async (t) => {
  const transport = new StdioV2({ command, args, env, cwd: ROOT, stderr: 'pipe' })
  const client = new ClientV2({ name: 'sdk-v2-legacy', version: '1.0.0' })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  t.equal(client.getNegotiatedProtocolVersion(), LEGACY_VERSION)
  const sum = await client.callTool({ name: 'calculate', arguments: { expression: '1 + 1' } }) as ToolResult
  t.same(sum.structuredContent, { result: 2 })
})

t.test('the Inspector CLI in stdio mode lists and calls the tools', async (t) => {
  const launcher = join(ROOT, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js')
  const envArgs = Object.entries(env).filter(([key]) => key !== 'PATH' && key !== 'HOME').flatMap(([key, value]) => ['-e', `${key}=${value}`])
  const inspector = async (...options: string[]): Promise<any> => {
    // `--` ends the Inspector's options: what follows is the server's command line.
    const { stdout } = await run(process.execPath, [launcher, '--cli', '--cwd', ROOT, ...envArgs, ...options, '--', command, ...args], {
      cwd: ROOT,
      env: { ...process.env, HOME: env.HOME },
      timeout: 60_000
    })
    return JSON.parse(stdout)
  }
  await exercise(t, async () => await inspector('--method', 'tools/list'), async (name, toolArgs) => await inspector(
    '--method', 'tools/call', '--tool-name', name, ...Object.entries(toolArgs).flatMap(([key, value]) => ['--tool-arg', `${key}=${String(value)}`])
  ))
})

/** The conformance fixture's tools (elicitation, progress) on a calculator-only server. */
const fixtureEnv = { ...env, MCP_CONFIG: 'test/stdio/calculator.config.ts', MCP_PLUGINS: './test/fixtures/conformance' }

t.test('SDK v1: elicitation (a server-to-client request on stdout, answered on stdin) and progress', async (t) => {
  const transport = new StdioV1({ command, args, env: fixtureEnv, cwd: ROOT, stderr: 'pipe' })
  const client = new ClientV1({ name: 'sdk-v1-elicit', version: '1.0.0' }, { capabilities: { elicitation: {} } })
  const asked: string[] = []
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request.params.message)
    return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } }
  })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  const elicited = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } })
  t.same(asked, ['Who are you?'], 'the client was asked')
  t.match((elicited.content as any)[0].text, /action=accept, content=\{"username":"ada","email":"ada@example.com"\}/)
  const seen: number[] = []
  await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, CallToolResultSchema, { onprogress: (p) => { seen.push(p.progress) } })
  // The last one leaves in the same write as the answer; SDK v1 handles notifications a microtask later than
  // responses, so when both arrive in one chunk it has dropped the progress handler by then: only 0 and 50 are sure.
  t.same(seen.slice(0, 2), [0, 50], 'progress notifications on stdout')
})

t.test('SDK v2, modern era: elicitation as a multi round-trip request over stdio', async (t) => {
  const transport = new StdioV2({ command, args, env: fixtureEnv, cwd: ROOT, stderr: 'pipe' })
  const client = new ClientV2({ name: 'sdk-v2-elicit', version: '1.0.0' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: 'auto' } })
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { username: 'grace', email: 'grace@example.com' } }))
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  t.equal(client.getNegotiatedProtocolVersion(), MODERN_VERSION)
  const elicited = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } })
  t.match((elicited.content as any)[0].text, /action=accept, content=\{"username":"grace","email":"grace@example.com"\}/)
})
