/**
 * The MCP Inspector's CLI, as a user runs it against `npm start`:
 *   npx @modelcontextprotocol/inspector --cli http://127.0.0.1:3000/mcp --method tools/list
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { ROOT, startServer } from './helpers/server-process.ts'

const run = promisify(execFile)
const home = mkdtempSync(join(tmpdir(), 'mcp-inspector-home-'))
t.teardown(() => { rmSync(home, { recursive: true, force: true }) })

async function inspector (url: string, ...args: string[]): Promise<any> {
  const { stdout } = await run(process.execPath, [join(ROOT, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js'), '--cli', url, ...args], {
    cwd: ROOT,
    // The Inspector keeps a catalog under $HOME: give it a scratch one.
    env: { ...process.env, HOME: home },
    timeout: 60_000
  })
  return JSON.parse(stdout)
}

t.test('the Inspector CLI lists the default plugins\' tools and calls calculate and db_query', async (t) => {
  const server = await startServer(t)
  const { tools } = await inspector(server.url, '--method', 'tools/list')
  const names = tools.map((tool: { name: string }) => tool.name)
  for (const name of ['calculate', 'weather_current', 'weather_forecast', 'db_query', 'db_list_tables', 'db_describe_table']) {
    t.ok(names.includes(name), `${name} is listed`)
  }
  const result = await inspector(server.url, '--method', 'tools/call', '--tool-name', 'calculate', '--tool-arg', 'expression=2 * (3 + 4) ^ 2')
  t.same(result.structuredContent, { result: 98 })
  const count = await inspector(server.url, '--method', 'tools/call', '--tool-name', 'db_query', '--tool-arg', 'sql=select count(*) as n from customers')
  t.notOk(count.isError, 'db_query answers')
  t.same(count.structuredContent.columns, ['n'])
  t.ok(count.structuredContent.rows[0][0] > 0, 'the seeded table has rows')
})
