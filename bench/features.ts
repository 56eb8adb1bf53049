/**
 * What each production feature costs on a `tools/call`, measured on its own:
 * the same server with and without it, both loaded at once and sharing the
 * servers' core, so that this machine's drift (its speed changes within
 * seconds) hits both alike; each round compares the two servers' CPU time per
 * answer over the same window, and the table gives the median of those
 * paired ratios over the rounds, and their spread.
 *
 * The features the bare route lacks and the platform has by default:
 * Fastify's logger (as `npm start` sets it up: pino at warn, per-request logs
 * off, a request child made only when something is logged) and the security
 * headers, each added to the bare route; load shedding, taken off the
 * platform; and the debug request log, turned on. (What remains between the
 * bare route and the platform is the MCP work itself, `npm run bench:profile`
 * shows where it goes.)
 *
 *   npm run bench:features [-- --rounds 10] [--seconds 2]
 */
import { runHttp, type HttpCase } from './lib/http-load.ts'
import { pinGenerator, startServer, type BenchServer } from './lib/process.ts'
import { callCase, modernHeaders } from './lib/requests.ts'
import { spread } from './lib/stats.ts'
import { EXPRESSION } from './servers/catalog.ts'
import { numberOption } from './options.ts'

const rounds = numberOption('rounds', 10)
const seconds = numberOption('seconds', 2)
const CONNECTIONS = 50

interface Pair { feature: string, server: string, without: Record<string, string>, with: Record<string, string> }

const PAIRS: Pair[] = [
  { feature: 'Fastify\'s logger, as npm start sets it up', server: 'bare-fastify.ts', without: {}, with: { BENCH_LOGGER: '1' } },
  { feature: 'the five security headers', server: 'bare-fastify.ts', without: {}, with: { BENCH_SECURITY_HEADERS: '1' } },
  { feature: 'load shedding (@fastify/under-pressure)', server: 'platform.ts', without: { BENCH_NO_SHED: '1' }, with: {} },
  { feature: 'the debug request log (LOG_LEVEL=debug, to /dev/null)', server: 'platform.ts', without: {}, with: { BENCH_LOG_LEVEL: 'debug' } }
]

const test: HttpCase = callCase('modern', modernHeaders('tools/call', 'calculate'), 'calculate', { expression: EXPRESSION }, '"structuredContent":{"result":5}')

/** µs of server CPU per answer over one window in which both servers were loaded. */
async function window (servers: BenchServer[]): Promise<number[]> {
  const before = servers.map((server) => server.cpuSeconds())
  const runs = await Promise.all(servers.map(async (server) => await runHttp(server.port, test, seconds, CONNECTIONS)))
  return servers.map((server, i) => {
    if (runs[i].errors > 0) throw new Error(`${runs[i].errors} wrong answers or errors`)
    return (server.cpuSeconds() - before[i]) * 1e6 / (runs[i].rate * seconds)
  })
}

console.log(`# What each feature costs on a 2026-07-28 tools/call: ${pinGenerator()}; both servers of a pair loaded at once, ${rounds} rounds of ${seconds} s, ${CONNECTIONS} connections each`)
const rows: string[] = []
for (const pair of PAIRS) {
  const servers = [await startServer(`bench/servers/${pair.server}`, pair.without), await startServer(`bench/servers/${pair.server}`, pair.with)]
  try {
    await window(servers) // warm-up: JIT, connections
    const without: number[] = []
    const withIt: number[] = []
    const ratios: number[] = []
    for (let round = 0; round < rounds; round++) {
      const [a, b] = await window(servers)
      without.push(a)
      withIt.push(b)
      ratios.push(b / a)
    }
    const ratio = spread(ratios)
    const base = spread(without).median
    const pct = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)} %`
    const line = `| ${pair.feature} | ${pair.server.replace('.ts', '')} | ${base.toFixed(1)} | ${spread(withIt).median.toFixed(1)} | **${pct(ratio.median)}** (${pct(ratio.min)} to ${pct(ratio.max)}) | ${(base * (ratio.median - 1)).toFixed(1)} |`
    rows.push(line)
    console.log(`  ${pair.feature}: ${pct(ratio.median)} CPU per answer`)
  } finally {
    for (const server of servers) await server.stop()
  }
}
console.log('\n| feature | on | µs of CPU per answer without | with | paired median (min to max) | µs per answer |\n|---|---|---:|---:|---:|---:|')
for (const row of rows) console.log(row)
console.log('\nCPU times are of two servers sharing one core at once, so each is higher than alone; the ratios are what compare.')
