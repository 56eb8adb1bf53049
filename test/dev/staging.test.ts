/**
 * Dev mode's swap, in process (no watcher: reload() is called directly):
 * one list_changed per reload, a version whose names clash with another
 * plugin's is refused whole, handles and readiness checks made while loading
 * follow the version that made them, and the old version's context closes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { buildTestApp, createInjectClient } from '@mcp-platform/server/testing'
import { startDevReloader } from '../../apps/server/src/dev/reloader.ts'

const state = globalThis as unknown as { devClosed?: number, devHandle?: { enable (): void } }

function version (tools: string[], extra = ''): string {
  return `export default async function (app) {
  app.addHook('onClose', async () => { globalThis.devClosed = (globalThis.devClosed ?? 0) + 1 })
  ${tools.map((name) => `app.mcp.tool({ name: '${name}', description: '${name}', handler: () => '${name} v' + ${Date.now()} })`).join('\n  ')}
  ${extra}
}
`
}

t.test('dev reloads swap a plugin\'s registrations in one step', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-dev-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'plugins/p'), { recursive: true })
  writeFileSync(join(dir, 'plugins/p/package.json'), '{ "name": "p", "type": "module", "main": "index.js" }\n')
  const file = join(dir, 'plugins/p/index.js')
  writeFileSync(file, version(['a'], "app.mcp.readinessCheck('db', async () => {})"))

  const other: FastifyPluginAsync = async (app) => { app.mcp.tool({ name: 'taken', description: 'other plugin', handler: () => 'x' }) }
  const app = await buildTestApp(t, { plugins: [{ plugin: other, name: 'other' }] })
  const registry = app.mcpCore.registry
  const changes: string[] = []
  t.teardown(registry.subscribe({ listChanged: (kind) => changes.push(kind), resourceUpdated: () => {} }))
  const lines: string[] = []
  const log = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(line) } } } }).log
  const dev = await startDevReloader([{ module: './plugins/p' }], { registry, log, cwd: dir, watch: false })
  t.teardown(async () => { await dev.close() })
  const client = createInjectClient(app, { era: 'legacy' })
  const names = async () => (await client.listTools()).tools.map((tool: { name: string }) => tool.name)

  t.same(await names(), ['a', 'taken'])
  t.ok(registry.readinessChecks.has('./plugins/p:db'), 'its readiness check is served')
  t.same(changes, ['tools'], 'one list_changed for the first load')

  writeFileSync(file, version(['a', 'b', 'c']))
  state.devClosed = 0
  t.equal(await dev.reload('./plugins/p'), true)
  t.same(await names(), ['a', 'b', 'c', 'taken'])
  t.same(changes, ['tools', 'tools'], 'one list_changed for the whole swap')
  t.equal(state.devClosed, 1, 'the old version\'s context was closed')
  t.notOk(registry.readinessChecks.has('./plugins/p:db'), 'the old version\'s readiness check is gone')

  writeFileSync(file, version(['a', 'taken']))
  t.equal(await dev.reload('./plugins/p'), false, 'a clash with another plugin is refused')
  t.same(await names(), ['a', 'b', 'c', 'taken'], 'the previous version keeps serving, whole')
  t.equal(registry.tools.get('taken')?.owner, 'other')
  t.same(changes.length, 2, 'and nothing was announced')
  t.match(lines.join(''), /plugin reload failed, the previous version keeps serving: \.\/plugins\/p.*MCP_ERR_DUPLICATE_TOOL/)
  t.equal(state.devClosed, 2, 'the refused version\'s context was closed (the served one was not: it still serves)')

  writeFileSync(file, version([], "globalThis.devHandle = app.mcp.tool({ name: 'later', description: 'x', handler: () => 'later' }); globalThis.devHandle.disable()"))
  t.equal(await dev.reload('./plugins/p'), true)
  t.same(await names(), ['taken'], 'disabled while loading: hidden once served')
  state.devHandle!.enable()
  t.same(await names(), ['later', 'taken'], 'the handle given while loading now drives the served tool')
  t.same((await client.callTool('later')).content, [{ type: 'text', text: 'later' }])
})
