/**
 * `npm run new-plugin -- <name>` in a temporary copy of the workspace: names
 * are checked with a message saying what to do; a good name writes the
 * plugin, lists it in fastify.config.ts and the build; the generated test
 * passes as generated and the generated code passes the project's lint;
 * then the server started there serves the new tool.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { legacyInitialize, legacyRequest, modernRequest } from '@mcp-platform/server/testing'
import { startServer } from '../helpers/server-process.ts'
import { childEnv, copyWorkspace } from '../helpers/workspace-copy.ts'

interface Run { code: number | null, out: string }

async function run (cwd: string, command: string, args: string[]): Promise<Run> {
  const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, out }
}

const scaffold = async (cwd: string, ...args: string[]) => await run(cwd, process.execPath, ['scripts/new-plugin.mjs', ...args])

t.test('new-plugin', async (t) => {
  const dir = copyWorkspace(t, ['calculator'])

  t.test('bad names are refused with a message saying what to do', async (t) => {
    const cases: Array<[string[], RegExp]> = [
      [[], /give the plugin a name: npm run new-plugin -- <name>/],
      [['Order_Status'], /not a valid plugin name: use lowercase letters, digits and single hyphens/],
      [['9lives'], /starting with a letter/],
      [['a--b'], /single hyphens/],
      [['x'.repeat(41)], /use at most 40/],
      [['calculator'], /plugins\/calculator already exists/],
      [['server'], /@mcp-platform\/server is already used by apps\/server/],
      [['one', 'two'], /one name at a time/]
    ]
    for (const [args, message] of cases) {
      const result = await scaffold(dir, ...args)
      t.equal(result.code, 1, `${JSON.stringify(args)} exits 1`)
      t.match(result.out, message)
    }
    t.notOk(existsSync(join(dir, 'plugins', 'Order_Status')), 'nothing was written')
  })

  t.test('a good name: the plugin, listed, with a passing test', async (t) => {
    const result = await scaffold(dir, 'order-status')
    t.equal(result.code, 0, result.out)
    t.match(result.out, /Created plugins\/order-status.*tool "order_status_greet"/)
    for (const file of ['package.json', 'src/index.ts', 'test/order-status.test.ts', 'README.md', 'tsconfig.build.json']) {
      t.ok(existsSync(join(dir, 'plugins/order-status', file)), `wrote ${file}`)
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'plugins/order-status/package.json'), 'utf8'))
    t.equal(manifest.name, '@mcp-platform/order-status')
    t.match(manifest.peerDependencies, { '@mcp-platform/server': '*', fastify: '^5.0.0' })
    t.match(readFileSync(join(dir, 'plugins/order-status/src/index.ts'), 'utf8'), /from '@sinclair\/typebox'/, 'TypeBox stays the default')
    const config = readFileSync(join(dir, 'fastify.config.ts'), 'utf8')
    t.match(config, /\{ module: '@mcp-platform\/db' \},\n {4}\{ module: '\.\/plugins\/order-status' \}\n {2}\]/, 'listed last in fastify.config.ts')
    t.match(readFileSync(join(dir, 'tsconfig.build.json'), 'utf8'), /plugins\/order-status\/tsconfig.build.json/)
    const again = await scaffold(dir, 'order-status')
    t.equal(again.code, 1, 'a second run with the same name is refused')

    const lint = await run(dir, process.execPath, [join(dir, 'node_modules/eslint/bin/eslint.js'), 'plugins/order-status'])
    t.equal(lint.code, 0, `the generated code passes the project's lint\n${lint.out}`)

    const test = await run(dir, process.execPath, [join(dir, 'node_modules/tap/dist/esm/run.mjs'), 'plugins/order-status/test/order-status.test.ts', '--disable-coverage'])
    t.equal(test.code, 0, `the generated test passes as generated\n${test.out.slice(-2000)}`)
    t.match(test.out, /# \{ total: \d+, pass: \d+ \}/)
    t.notMatch(test.out, /fail: [1-9]/)
  })

  t.test('the server started there serves the new tool', async (t) => {
    const server = await startServer(t, {}, undefined, dir)
    const url = new URL(server.url)
    const modern = await modernRequest(url, 'tools/call', { name: 'order_status_greet', arguments: { name: 'Ada' } })
    t.same(modern.response.result.structuredContent, { message: 'Hello, Ada!' }, '2026-07-28 call')
    const session = await legacyInitialize(url)
    const listed = await legacyRequest(url, session, 'tools/list')
    t.ok(listed.response.result.tools.some((tool: { name: string }) => tool.name === 'order_status_greet'), 'listed next to the other plugins\' tools')
    t.ok(listed.response.result.tools.some((tool: { name: string }) => tool.name === 'calculate'))
  })
})
