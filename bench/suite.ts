/**
 * The benchmark suite (`npm run bench`): every scenario in one run, rounds
 * alternating between the servers, every answer checked, medians and spreads
 * reported. The headline (tools/call over HTTP) runs twice the rounds at half
 * the window (10 of 1 s by default): more pairs with the baseline, each
 * closer to it in time. Writes docs/benchmarks.json, docs/benchmarks.svg and the results
 * section of docs/benchmarks.md (a --quick or --only run writes to
 * bench/results/ instead, unless --write).
 *
 *   npm run bench [-- --quick] [--only call,list,progress,ws,nginx,startup,memory]
 *                 [--rounds 5] [--seconds 2] [--connections 50] [--write]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { chart, type Panel } from './lib/chart.ts'
import { findBinary } from '../test/helpers/binaries.ts'
import { pinGenerator, ROOT } from './lib/process.ts'
import { memoryTable, rowsTable, startupTable } from './lib/report.ts'
import { rotate, type Row } from './lib/rotation.ts'
import { targetChecks, targetsTable } from './lib/targets.ts'
import { measureMemory, type MemoryResult } from './scenarios/memory.ts'
import { callTargets, httpRun, listTargets, progressTargets } from './scenarios/http.ts'
import { nginxTargets } from './scenarios/nginx.ts'
import { measureStartup, type StartupResult } from './scenarios/startup.ts'
import { wsRun, wsTargets } from './scenarios/websocket.ts'
import { numberOption } from './options.ts'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const onlyIndex = args.indexOf('--only')
const only = onlyIndex === -1 ? undefined : new Set(args[onlyIndex + 1].split(','))
const writeDocs = args.includes('--write') || (!quick && only === undefined)
const rounds = numberOption('rounds', quick ? 1 : 5)
const seconds = numberOption('seconds', quick ? 1 : 2)
const connections = numberOption('connections', 50)
const warmupSeconds = quick ? 0.5 : 1
const log = (line: string) => { process.stderr.write(`${line}\n`) }
const wanted = (id: string) => only === undefined || only.has(id)

interface ScenarioResult { id: string, title: string, unit: string, rounds: number, seconds: number, rows: Row[] }

const started = Date.now()
const pinning = pinGenerator()
log(`# mcp-platform benchmarks: ${pinning}; ${rounds} rounds of ${seconds} s per server${quick ? ' (quick)' : ''}`)
const scenarios: ScenarioResult[] = []

async function scenario<Load> (id: string, title: string, unit: string, targets: () => Array<import('./lib/rotation.ts').Target<Load>>, run: import('./lib/rotation.ts').RotationOptions<Load>['run'], scenarioRounds = rounds, scenarioSeconds = seconds): Promise<void> {
  if (!wanted(id)) return
  log(`\n## ${title}`)
  const rows = await rotate(targets(), { rounds: scenarioRounds, seconds: scenarioSeconds, warmupSeconds, run, log })
  scenarios.push({ id, title, unit, rounds: scenarioRounds, seconds: scenarioSeconds, rows })
  console.log(`\n### ${title}\n\n${rowsTable(rows, unit)}`)
}

// The headline comparison gets the most rounds; the others fewer, to stay within a few minutes.
const fewer = Math.max(1, Math.min(rounds, 3))
await scenario('call', `tools/call over HTTP, JSON answers (${connections} connections)`, 'calls', callTargets, httpRun(connections), quick ? rounds : 2 * rounds, quick ? seconds : seconds / 2)
await scenario('progress', `tools/call with 3 progress notifications, SSE answers (${connections} connections)`, 'calls', progressTargets, httpRun(connections), fewer)
await scenario('list', `tools/list of 100 tools (${connections} connections)`, 'lists', listTargets, httpRun(connections), fewer)
await scenario('ws', 'tools/call over WebSocket (50 connections × 10 calls in flight)', 'calls', () => wsTargets({ connections: 50, inFlight: 10 }), wsRun, fewer)
if (wanted('nginx')) {
  if (findBinary('nginx', process.env.NGINX) === undefined || findBinary('redis-server', process.env.REDIS_SERVER) === undefined) {
    log('\n## behind nginx: SKIPPED, nginx or redis-server not installed (Debian packages "nginx", "redis-server")')
  } else {
    await scenario('nginx', `tools/call through nginx, state in Redis (${connections} connections)`, 'calls', nginxTargets, httpRun(connections), fewer)
  }
}

let startup: StartupResult[] | undefined
const startupRuns = quick ? 2 : 5
if (wanted('startup')) {
  log('\n## start-up')
  startup = await measureStartup(startupRuns)
  console.log(`\n### Start-up\n\n${startupTable(startup, startupRuns)}`)
}
let memory: MemoryResult[] | undefined
if (wanted('memory')) {
  log('\n## memory')
  memory = await measureMemory(quick ? { sessions: 2000, sockets: 200, streams: 200 } : { sessions: 10_000, sockets: 1000, streams: 1000 })
  console.log(`\n### Memory\n\n${memoryTable(memory)}`)
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux, Node ${process.version}`
const command = `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`
const minutes = ((Date.now() - started) / 60_000).toFixed(1)
log(`\ndone in ${minutes} min`)
// The time target is for the whole suite at its default rounds, windows and connections.
const fullRun = !quick && only === undefined && ['--rounds', '--seconds', '--connections'].every((option) => !args.includes(option))
const figures = { call: scenarios.find((s) => s.id === 'call')?.rows, startup, memory, fullRunMinutes: fullRun ? Number(minutes) : undefined, quick }
const checks = targetChecks(figures)
const targets = targetsTable(figures, checks)
console.log(`\n### Targets\n\n${targets}`)

const results = { date: new Date().toISOString(), machine, command, pinning, minutes: Number(minutes), rounds, seconds, connections, targets: checks, scenarios, startup, memory }
const panels: Panel[] = scenarios.map((s) => ({ title: s.title, rows: s.rows }))
const svg = chart(panels, `mcp-platform benchmarks · ${machine} · ${results.date.slice(0, 10)}`)
const outDir = writeDocs ? join(ROOT, 'docs') : join(ROOT, 'bench/results')
mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, 'benchmarks.json'), `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(join(outDir, 'benchmarks.svg'), svg)

const section = [
  `Measured ${results.date.slice(0, 16).replace('T', ' ')} UTC on ${machine}; ${pinning}.`,
  `Command: \`${command}\` (${minutes} min). Raw figures: [benchmarks.json](benchmarks.json).`,
  '',
  '### Targets',
  '',
  targets,
  '',
  '![Throughput relative to the bare baselines](benchmarks.svg)',
  ...scenarios.flatMap((s) => ['', `### ${s.title}`, '', `${s.rounds} rounds of ${s.seconds} s per server.`, '', rowsTable(s.rows, s.unit)]),
  ...(startup !== undefined ? ['', '### Start-up', '', startupTable(startup, startupRuns)] : []),
  ...(memory !== undefined ? ['', '### Memory', '', memoryTable(memory)] : [])
].join('\n')
const docFile = join(outDir, 'benchmarks.md')
const START = '<!-- results:start -->'
const END = '<!-- results:end -->'
let doc: string
try {
  doc = readFileSync(writeDocs ? docFile : join(ROOT, 'docs/benchmarks.md'), 'utf8')
} catch {
  doc = `# Benchmarks\n\n${START}\n${END}\n`
}
const from = doc.indexOf(START)
const to = doc.indexOf(END)
doc = from === -1 || to === -1 ? `${doc}\n${START}\n${section}\n${END}\n` : `${doc.slice(0, from + START.length)}\n${section}\n${doc.slice(to)}`
writeFileSync(docFile, doc)
log(`written: ${outDir}/benchmarks.{md,json,svg}`)
