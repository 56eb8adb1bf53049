/**
 * Where a `tools/call` spends its time: the bare Fastify route and the
 * platform (both eras) each run with `--cpu-prof`; the load goes to one at a
 * time in alternating windows (as in the suite, so that the machine's drift
 * hits all alike), and each profile's busy samples within its own windows
 * are turned into microseconds per call (the share of samples times the
 * server's CPU time per call, from /proc), grouped by what ran: the
 * platform's layers, the tool, Fastify, Node's HTTP code, the socket calls
 * into the kernel, the garbage collector. The last column is what the
 * platform spends beyond the bare route on each.
 *
 * A sampling profile at 1 ms intervals slows every server a little and
 * drifts with the machine like the other benchmarks; rows under about
 * 0.3 µs differ from run to run. `--detail` lists single functions instead.
 *
 *   npm run bench:profile [-- --rounds 3] [--seconds 2] [--warmup 3] [--detail]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runHttp, type HttpCase } from './lib/http-load.ts'
import { pinGenerator, startServer, type BenchServer } from './lib/process.ts'
import { callCase, modernHeaders, openSession } from './lib/requests.ts'
import { ANSWER, EXPRESSION } from './servers/catalog.ts'
import { numberOption } from './options.ts'

const rounds = numberOption('rounds', 3)
const seconds = numberOption('seconds', 2)
const warmup = numberOption('warmup', 3)
const detail = process.argv.includes('--detail')
const CONNECTIONS = 50

interface Profile {
  nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number } }>
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

/** A window of load, on the monotonic clock V8's profiles use (µs; process.hrtime reads the same clock). */
interface Window { from: number, to: number }

const nowUs = () => Number(process.hrtime.bigint() / 1000n)

/** What ran, in the groups the table shows. */
function groupOf (functionName: string, url: string): string {
  if (functionName === '(garbage collector)') return 'garbage collector'
  if (functionName === '(program)') return 'V8 and native code (unattributed)'
  if (url === '' && /^(writeUtf8String|writev|writeBuffer|writeLatin1String|read|readStart|shutdown)$/.test(functionName)) return 'socket reads and writes (syscalls)'
  if (url === '' && /^(runMicrotasks)$/.test(functionName)) return 'promise jobs (V8)'
  if (functionName.startsWith('RegExp: ')) return 'regular expressions'
  const source = /\/apps\/server\/src\/([^/]+)\//.exec(url)
  if (source !== null) return source[1] === 'protocol' ? 'platform: protocol core' : source[1] === 'transports' ? 'platform: transports' : `platform: ${source[1]}`
  if (url.includes('/plugins/')) return 'the tool (calculator plugin)'
  if (url.includes('/bench/servers/')) return 'the benchmark server file'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (pkg !== null) return pkg[1] === 'fastify' ? 'Fastify' : `package: ${pkg[1]}`
  if (url.startsWith('node:')) return /^node:(_http|internal\/http|http)/.test(url) ? 'Node: HTTP' : 'Node: streams, events, timers, other'
  return `native: ${functionName || '(anonymous)'}`
}

function keyOf (functionName: string, url: string, line: number, byFunction: boolean): string {
  if (!byFunction) return groupOf(functionName, url)
  const where = url.replace(/^.*\/(node_modules|apps|plugins|bench)\//, '$1/').replace(/^file:\/\//, '')
  return `${functionName || '(anonymous)'} ${where}${url === '' ? '' : `:${line + 1}`}`
}

/** µs per call of each group: its share of the busy samples within the server's windows, times the CPU per call. */
function breakdown (dir: string, windows: Window[], cpuPerCallUs: number, byFunction: boolean): Map<string, number> {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error(`no profile written in ${dir}`)
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
  if (windows.some((window) => window.from < profile.startTime || window.to > profile.endTime)) {
    throw new Error('the load windows are not within the profile: its clock is not the one process.hrtime reads')
  }
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
  const counts = new Map<string, number>()
  let busy = 0
  let at = profile.startTime
  profile.samples.forEach((id, index) => {
    // Sample times: the profile gives each as a delta from the previous one.
    at += profile.timeDeltas[index]
    if (!windows.some((window) => at >= window.from && at <= window.to)) return
    const frame = frames.get(id)!
    if (frame.functionName === '(idle)') return
    busy++
    const key = keyOf(frame.functionName, frame.url, frame.lineNumber, byFunction)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  })
  return new Map([...counts].map(([key, count]) => [key, count / busy * cpuPerCallUs]))
}

interface Target { name: string, prepare: (port: number) => Promise<HttpCase> }

const check = `"structuredContent":{"result":${ANSWER}}`
const args = { expression: EXPRESSION }
const targets: Target[] = [
  { name: 'bare route', prepare: async () => callCase('modern', modernHeaders('tools/call', 'calculate'), 'calculate', args, check) },
  { name: '2026-07-28', prepare: async () => callCase('modern', modernHeaders('tools/call', 'calculate'), 'calculate', args, check) },
  { name: '2025-11-25', prepare: async (port) => callCase('legacy', await openSession(port), 'calculate', args, check) }
]

console.log(`# Where a tools/call spends its time: ${pinGenerator()}; ${warmup} s warm-up, then ${rounds} rounds of ${seconds} s per server, ${CONNECTIONS} connections`)
interface Running { target: Target, dir: string, server: BenchServer, test: HttpCase, windows: Window[], calls: number, cpu: number }
const running: Running[] = []
const results: Array<{ name: string, rate: number, cpuPerCallUs: number, groups: Map<string, number> }> = []
try {
  for (const [index, target] of targets.entries()) {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-profile-'))
    const script = index === 0 ? 'bench/servers/bare-fastify.ts' : 'bench/servers/platform.ts'
    const server = await startServer(script, {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
    running.push({ target, dir, server, test: await target.prepare(server.port), windows: [], calls: 0, cpu: 0 })
  }
  for (const entry of running) await runHttp(entry.server.port, entry.test, warmup, CONNECTIONS)
  for (let round = 0; round < rounds; round++) {
    for (const entry of running) {
      const cpu = entry.server.cpuSeconds()
      const from = nowUs()
      const run = await runHttp(entry.server.port, entry.test, seconds, CONNECTIONS)
      entry.windows.push({ from, to: nowUs() })
      if (run.errors > 0) throw new Error(`${entry.target.name}: ${run.errors} wrong answers or errors`)
      entry.calls += run.rate * seconds
      entry.cpu += entry.server.cpuSeconds() - cpu
    }
  }
  for (const entry of running) {
    await entry.server.stop()
    const cpuPerCallUs = entry.cpu / entry.calls * 1e6
    const rate = entry.calls / (rounds * seconds)
    results.push({ name: entry.target.name, rate, cpuPerCallUs, groups: breakdown(entry.dir, entry.windows, cpuPerCallUs, detail) })
    console.log(`  ${entry.target.name}: ${Math.round(rate)} calls/s, ${cpuPerCallUs.toFixed(1)} µs of server CPU per call`)
  }
} finally {
  for (const entry of running) {
    await entry.server.stop()
    rmSync(entry.dir, { recursive: true, force: true })
  }
}

const [bare, ...platform] = results
const keys = [...new Set(results.flatMap((result) => [...result.groups.keys()]))]
const extra = (key: string) => (platform[0].groups.get(key) ?? 0) - (bare.groups.get(key) ?? 0)
keys.sort((a, b) => Math.abs(extra(b)) - Math.abs(extra(a)))
const shown = detail ? keys.slice(0, 40) : keys.filter((key) => results.some((result) => (result.groups.get(key) ?? 0) >= 0.05))
const us = (value: number | undefined) => value === undefined || value < 0.005 ? '' : value.toFixed(2)
console.log(`\n| µs per call | ${results.map((result) => result.name).join(' | ')} | 2026-07-28 − bare |`)
console.log(`|---|${results.map(() => '---:').join('|')}|---:|`)
for (const key of shown) console.log(`| ${key} | ${results.map((result) => us(result.groups.get(key))).join(' | ')} | ${extra(key).toFixed(2)} |`)
console.log(`| **server CPU per call** | ${results.map((result) => `**${result.cpuPerCallUs.toFixed(1)}**`).join(' | ')} | **${(platform[0].cpuPerCallUs - bare.cpuPerCallUs).toFixed(1)}** |`)
