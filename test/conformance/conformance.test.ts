/**
 * The official MCP conformance suite (server mode, every scenario) against
 * the server started as `npm start` starts it, with the fixture plugin that
 * provides what the scenarios call.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ROOT, startServer } from '../helpers/server-process.ts'

interface Check { id: string, status: string, errorMessage?: string }

t.test('the conformance suite passes every scenario, without warnings', async (t) => {
  const server = await startServer(t, { MCP_PLUGINS: './test/fixtures/conformance' })
  const results = mkdtempSync(join(tmpdir(), 'mcp-conformance-'))
  const cli = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js')
  const child = spawn(process.execPath, [cli, 'server', '--url', server.url, '--suite', 'all', '-o', results], { cwd: ROOT })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))

  const scenarios = readdirSync(results)
  const checks = scenarios.flatMap((dir) =>
    (JSON.parse(readFileSync(join(results, dir, 'checks.json'), 'utf8')) as Check[]).map((check) => ({ scenario: dir, ...check })))
  const failures = checks.filter((check) => check.status === 'FAILURE')
  const warnings = checks.filter((check) => check.status === 'WARNING')

  t.equal(code, 0, 'the conformance CLI exits 0', { summary: output.split('=== SUMMARY ===')[1] ?? output })
  t.ok(scenarios.length >= 32, `ran every scenario (${scenarios.length})`)
  t.same(failures, [], 'no failed check')
  t.same(warnings, [], 'no warning')
  t.ok(checks.filter((check) => check.status === 'SUCCESS').length >= 46, 'all the suite\'s checks succeed')
})
