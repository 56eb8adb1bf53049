/**
 * `npm run dev` (its command, in a temporary copy of the workspace with a
 * copy of the calculator plugin): editing the plugin's files adds a tool
 * without restarting the process; a 2025-era session (its GET SSE stream)
 * and a 2026-07-28 `subscriptions/listen` stream each get
 * notifications/tools/list_changed, and both call the new tool on the same
 * session and connection. A broken version then fails to load, is reported,
 * and the previous version keeps serving.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client'
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { MODERN_VERSION, until, within, deferred } from '@mcp-platform/server/testing'
import { startServer } from '../helpers/server-process.ts'
import { copyWorkspace } from '../helpers/workspace-copy.ts'

/** Polls an async check (the kit's `until` takes a synchronous one). */
async function eventually (check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const DEV = ['--conditions=@mcp-platform/source', 'apps/server/src/dev/main.ts']
const WAIT_MS = 20_000

t.test('dev mode reloads a plugin in place', async (t) => {
  const dir = copyWorkspace(t, ['calculator'])
  writeFileSync(join(dir, 'fastify.config.ts'), "export default { plugins: [{ module: './plugins/calculator' }] }\n")
  const index = join(dir, 'plugins/calculator/src/index.ts')
  const evaluate = join(dir, 'plugins/calculator/src/evaluate.ts')
  const original = { index: readFileSync(index, 'utf8'), evaluate: readFileSync(evaluate, 'utf8') }

  const server = await startServer(t, {}, DEV, dir)
  const url = new URL(server.url)

  // 2025-11-25: a session with its GET SSE stream (the SDK opens it after initialize).
  const legacy = new LegacyClient({ name: 'dev-legacy', version: '1' })
  let legacyChanged = deferred()
  let legacyCount = 0
  legacy.setNotificationHandler(ToolListChangedNotificationSchema, () => { legacyCount++; legacyChanged.resolve() })
  const legacyTransport = new LegacyTransport(url)
  await legacy.connect(legacyTransport)
  t.teardown(async () => { await legacy.close().catch(() => {}) })
  const sessionId = legacyTransport.sessionId
  t.same((await legacy.listTools()).tools.map((tool) => tool.name), ['calculate'])

  // 2026-07-28: stateless requests, and a subscriptions/listen stream for list changes.
  const modern = new ModernClient({ name: 'dev-modern', version: '1' }, { versionNegotiation: { mode: { pin: MODERN_VERSION } } })
  let modernChanged = deferred()
  modern.setNotificationHandler('notifications/tools/list_changed', () => { modernChanged.resolve() })
  await modern.connect(new ModernTransport(url))
  t.teardown(async () => { await modern.close().catch(() => {}) })
  const subscription = await modern.listen({ toolsListChanged: true })
  t.teardown(async () => { await subscription.close().catch(() => {}) })

  t.test('an edit that adds a tool (in two files) is served at once, on the same session', async (t) => {
    writeFileSync(evaluate, original.evaluate + '\nexport const ANSWER = 42\n')
    writeFileSync(index, original.index
      .replace("import { CalculationError, evaluate } from './evaluate.ts'", "import { ANSWER, CalculationError, evaluate } from './evaluate.ts'")
      .replace('const calculator: FastifyPluginAsync = async (app) => {',
        "const calculator: FastifyPluginAsync = async (app) => {\n  app.mcp.tool({ name: 'answer', description: 'The answer', handler: () => String(ANSWER) })\n"))
    await within(legacyChanged.promise, WAIT_MS, 'tools/list_changed on the 2025-era GET stream')
    await within(modernChanged.promise, WAIT_MS, 'tools/list_changed on the subscriptions/listen stream')
    // The notification may come before the last of the reload's changes: wait until the list shows it.
    await eventually(async () => (await legacy.listTools()).tools.some((tool) => tool.name === 'answer'), WAIT_MS, 'the new tool listed')
    t.same((await legacy.listTools()).tools.map((tool) => tool.name), ['answer', 'calculate'])
    t.same((await legacy.callTool({ name: 'answer', arguments: {} })).content, [{ type: 'text', text: '42' }], '2025 era: the new tool answers')
    t.equal(legacyTransport.sessionId, sessionId, 'on the same session: the process did not restart')
    t.same((await modern.callTool({ name: 'answer', arguments: {} })).content, [{ type: 'text', text: '42' }], '2026-07-28: the new tool answers')
    t.same((await legacy.callTool({ name: 'calculate', arguments: { expression: '6 * 7' } })).structuredContent, { result: 42 }, 'the old tool still works')
    t.ok(server.logs.some((line) => line.includes('plugin reloaded: ./plugins/calculator')), 'the reload is logged')
  })

  t.test('a broken version is reported and the previous one keeps serving', async (t) => {
    const before = server.logs.length
    legacyChanged = deferred()
    modernChanged = deferred()
    const notified = legacyCount
    writeFileSync(index, original.index.replace('const calculator', 'const calculator = = broken'))
    await until(() => server.logs.slice(before).some((line) => line.includes('plugin reload failed, the previous version keeps serving')), WAIT_MS, 'the failure to be logged')
    const failure = server.logs.slice(before).find((line) => line.includes('plugin reload failed'))!
    t.match(failure, /MCP_ERR_PLUGIN_LOAD/, 'the error is printed with its code')
    t.match(failure, /index\.ts/, 'and the file')
    t.same((await legacy.callTool({ name: 'answer', arguments: {} })).content, [{ type: 'text', text: '42' }], 'the previous version still answers')
    t.same((await legacy.listTools()).tools.map((tool) => tool.name), ['answer', 'calculate'])
    t.equal(legacyCount, notified, 'nothing changed, so no list_changed')

    // A version whose registration fails (a bad schema) is refused the same way.
    writeFileSync(index, original.index.replace('const calculator: FastifyPluginAsync = async (app) => {',
      "const calculator: FastifyPluginAsync = async (app) => {\n  app.mcp.tool({ name: 'bad', description: 'x', input: { type: 'string' }, handler: () => 'x' })\n"))
    await until(() => server.logs.slice(before).some((line) => line.includes('MCP_ERR_INVALID_SCHEMA')), WAIT_MS, 'the schema error to be logged')
    t.same((await modern.callTool({ name: 'answer', arguments: {} })).content, [{ type: 'text', text: '42' }], 'still the previous version')

    // Fixing it serves the fixed version.
    writeFileSync(index, original.index)
    await within(legacyChanged.promise, WAIT_MS, 'list_changed after the fix')
    await eventually(async () => !(await legacy.listTools()).tools.some((tool) => tool.name === 'answer'), WAIT_MS, 'the fixed version (without answer) served')
    t.same((await legacy.listTools()).tools.map((tool) => tool.name), ['calculate'])
    t.equal(legacyTransport.sessionId, sessionId, 'still the same session')
  })
})
