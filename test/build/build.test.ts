/**
 * The compiled build: `tsc -b` compiles every workspace to its `dist/`, the
 * packages' exports point at files that exist, and `npm start`'s script runs
 * the compiled server (the embedded SQLite processes included), rebuilding
 * first when a source is newer than the last build.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync, utimesSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import t, { type Test } from 'tap'
import { COMPILED, ROOT, startServer } from '../helpers/server-process.ts'

const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc')
// The workspaces are the references named <workspace>/tsconfig.build.json (tsconfig.config.json compiles fastify.config.ts).
const workspaces = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { references: Array<{ path: string }> })
  .references.filter(({ path }) => path.endsWith('/tsconfig.build.json')).map(({ path }) => dirname(join(ROOT, path)))
const buildInfo = (workspace: string) => join(workspace, 'dist', 'tsconfig.build.tsbuildinfo')

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28' }
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} }

async function run (args: string[]): Promise<{ code: number | null, output: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { code, output }
}

/** Starts `scripts/start.mjs` as `npm start` does, checks it answers, stops it with SIGTERM; returns what it printed. */
async function startCompiled (t: Test): Promise<string> {
  const server = await startServer(t, {}, COMPILED)
  const url = server.url
  const health = await fetch(new URL('/health', url))
  t.equal(health.status, 200, '/health answers')
  t.match(await health.json(), { status: 'ok' })

  const call = async (name: string, args: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-method': 'tools/call', 'mcp-name': name },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, _meta: META } })
    })
    t.equal(res.status, 200, `tools/call ${name} answers 200`, { body: res.status === 200 ? '' : await res.clone().text() })
    return await res.json() as { result?: { isError?: boolean, structuredContent?: Record<string, unknown> } }
  }
  t.match(await call('calculate', { expression: '2 * (3 + 4) ^ 2' }), { result: { structuredContent: { result: 98 } } }, 'calculate computes')
  // The embedded database runs in child processes started from the compiled dist/drivers/sqlite-child.js.
  const tables = await call('db_list_tables', {})
  t.notOk(tables.result?.isError, 'db_list_tables answers (SQLite processes and migrations from dist)')
  t.match(JSON.stringify(tables.result), /customers/)
  // The explorer page is plain files beside src/ and dist/: the compiled server finds them, nothing to build.
  const page = await fetch(new URL('/explorer/', url))
  t.equal(page.status, 200, 'the explorer page is served')
  t.match(await page.text(), /<script type="module" src="\.\/app\.js">/)

  t.equal(await server.stop(), 0, 'SIGTERM reaches the server, and its exit code is the script\'s')
  return server.logs.join('\n')
}

t.test('tsc -b compiles every workspace to dist, with declarations and source maps', async (t) => {
  const { code, output } = await run([TSC, '-b', 'tsconfig.build.json', '--force'])
  t.equal(code, 0, output)
  for (const workspace of workspaces) {
    // The compiled main entry of each workspace (index for packages, app for the example), with its declarations and maps.
    const { exports } = JSON.parse(readFileSync(join(workspace, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> }
    const main = exports['.'].default.replace(/^\.\//, '').replace(/\.js$/, '')
    for (const file of [`${main}.js`, `${main}.js.map`, `${main}.d.ts`, `${main}.d.ts.map`]) {
      t.ok(existsSync(join(workspace, file)), `${workspace.slice(ROOT.length)}/${file}`)
    }
  }
  t.ok(existsSync(join(ROOT, 'plugins/db/dist/drivers/sqlite-child.js')), 'dist mirrors src: the db child process sits next to its driver')
  t.ok(existsSync(join(ROOT, 'dist/fastify.config.js')), 'the default config is compiled too (the compiled server imports it when up to date)')
})

t.test('every package export has a source entry and compiled targets that exist', async (t) => {
  for (const workspace of workspaces) {
    const { exports } = JSON.parse(readFileSync(join(workspace, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> }
    for (const [subpath, conditions] of Object.entries(exports)) {
      const where = `${workspace.slice(ROOT.length)} "${subpath}"`
      t.same(Object.keys(conditions), ['@mcp-platform/source', 'types', 'default'], `${where}: the source condition comes first`)
      t.match(conditions['@mcp-platform/source'], /^\.\/src\/.*\.ts$/, `${where}: source entry`)
      for (const condition of ['@mcp-platform/source', 'types', 'default']) {
        t.ok(existsSync(join(workspace, conditions[condition])), `${where} ${condition}: ${conditions[condition]} exists`)
      }
    }
  }
})

t.test('npm start runs the compiled server without building when dist is up to date', async (t) => {
  const output = await startCompiled(t)
  t.notMatch(output, /Building/, 'no build when nothing changed')
})

t.test('a source newer than the last build makes npm start rebuild first', async (t) => {
  const source = join(ROOT, 'plugins/calculator/src/evaluate.ts')
  const workspace = join(ROOT, 'plugins/calculator')
  const before = statSync(buildInfo(workspace)).mtimeMs
  const now = new Date(Math.max(Date.now(), before + 10))
  utimesSync(source, now, now) // the mtime only: the content stays as it is
  const output = await startCompiled(t)
  t.match(output, /Building \(plugins\/calculator\/tsconfig\.build\.json: sources changed since the last build\)/)
  t.ok(statSync(buildInfo(workspace)).mtimeMs >= now.getTime(), 'the build is stamped newer than the touched source')
  t.notMatch(await startCompiled(t), /Building/, 'and the next start does not build again')
})
