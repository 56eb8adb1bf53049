/**
 * The official MCP conformance suite (server mode) against the server
 * started as `npm start` starts it, with the fixture plugin that provides
 * what the scenarios call: the released 0.1.16 (`--suite all`), and the
 * pinned pre-release 0.2.0-alpha.12 (installed as `conformance-next`) with
 * the 2026-07-28 requirement set (scored, extension and pending scenarios,
 * the tasks extension included) and the 2025-11-25 one.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ROOT, startServer } from '../helpers/server-process.ts'

interface Check { id: string, status: string, errorMessage?: string }

interface SuiteRun {
  code: number | null
  output: string
  scenarios: string[]
  checks: Array<Check & { scenario: string }>
}

async function runSuite (cli: string, url: string, args: string[]): Promise<SuiteRun> {
  const results = mkdtempSync(join(tmpdir(), 'mcp-conformance-'))
  const child = spawn(process.execPath, [join(ROOT, cli), 'server', '--url', url, ...args, '-o', results], { cwd: ROOT })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  const scenarios = readdirSync(results)
  const checks = scenarios.flatMap((dir) =>
    (JSON.parse(readFileSync(join(results, dir, 'checks.json'), 'utf8')) as Check[]).map((check) => ({ scenario: dir.replace(/-\d{4}-\d\d-\d\dT.*$/, ''), ...check })))
  rmSync(results, { recursive: true, force: true })
  return { code, output, scenarios, checks }
}

const summary = (run: SuiteRun) => run.output.split('=== SUMMARY ===')[1] ?? run.output

t.test('conformance 0.1.16 --suite all: every scenario passes, without warnings', async (t) => {
  const server = await startServer(t, { MCP_PLUGINS: './test/fixtures/conformance' })
  const run = await runSuite('node_modules/@modelcontextprotocol/conformance/dist/index.js', server.url, ['--suite', 'all'])
  t.equal(run.code, 0, 'the conformance CLI exits 0', { summary: summary(run) })
  t.ok(run.scenarios.length >= 32, `ran every scenario (${run.scenarios.length})`)
  t.same(run.checks.filter((check) => check.status === 'FAILURE'), [], 'no failed check')
  t.same(run.checks.filter((check) => check.status === 'WARNING'), [], 'no warning')
  t.ok(run.checks.filter((check) => check.status === 'SUCCESS').length >= 46, 'all the suite\'s checks succeed')
})

t.test('conformance 0.2.0-alpha.12 --requirements 2026-07-28: every scenario it runs passes (scored, extension, pending)', async (t) => {
  const server = await startServer(t, { MCP_PLUGINS: './test/fixtures/conformance' })
  const run = await runSuite('node_modules/conformance-next/dist/index.js', server.url, ['--requirements', '2026-07-28'])
  t.equal(run.code, 0, 'the conformance CLI exits 0', { summary: summary(run) })
  t.ok(run.scenarios.length >= 50, `ran the requirement set (${run.scenarios.length} scenarios)`)
  t.ok(run.scenarios.filter((s) => s.includes('tasks-')).length >= 10, 'the tasks extension scenarios ran')
  t.same(run.checks.filter((check) => check.status === 'FAILURE'), [], 'no failed check in any scenario')
  t.ok(run.checks.filter((check) => check.status === 'SUCCESS').length >= 190, 'the checks succeed')
})

t.test('conformance 0.2.0-alpha.12 --requirements 2025-11-25: every scenario passes', async (t) => {
  const server = await startServer(t, { MCP_PLUGINS: './test/fixtures/conformance' })
  const run = await runSuite('node_modules/conformance-next/dist/index.js', server.url, ['--requirements', '2025-11-25'])
  t.equal(run.code, 0, 'the conformance CLI exits 0', { summary: summary(run) })
  t.ok(run.scenarios.length >= 20, `ran the requirement set (${run.scenarios.length} scenarios)`)
  t.same(run.checks.filter((check) => check.status === 'FAILURE'), [], 'no failed check')
  t.ok(run.checks.filter((check) => check.status === 'SUCCESS').length >= 80, 'all the checks succeed')
})
