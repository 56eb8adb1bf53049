/**
 * What isolation costs: `tools/call calculate` over HTTP against the same
 * server with the calculator in-process, in a worker pool, and in a
 * sandboxed child process (docs/isolation.md). Each server runs in its own
 * process; autocannon runs here; rounds alternate between the three, so a
 * machine that gets busier or quieter shifts them alike; medians are reported.
 *
 *   node bench/isolation.ts [--rounds 5] [--duration 3] [--connections 50] [--workers 2]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { numberOption } from './options.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const duration = numberOption('duration', 3)
const rounds = numberOption('rounds', 5)
const connections = numberOption('connections', 50)
const workers = numberOption('workers', 2)

const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'calculate',
    arguments: { expression: '2 * (3 + 4) ^ 2 - sqrt(16) / 4' },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' }
    }
  }
})
const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': 'calculate'
}

interface Target { name: string, env: Record<string, string> }
const targets: Target[] = [
  { name: 'in-process', env: { ISOLATE: 'none' } },
  { name: `worker (${workers} workers)`, env: { ISOLATE: 'worker', CONCURRENCY: String(workers) } },
  { name: 'process (16 calls at once)', env: { ISOLATE: 'process', CONCURRENCY: '16' } }
]

interface Running { target: Target, child: ChildProcess, url: string, rps: number[], p99: number[], errors: number }

async function prepare (target: Target): Promise<Running> {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', 'bench/servers/platform-isolated.ts'], {
    cwd: ROOT, env: { ...process.env, ...target.env }, stdio: ['ignore', 'pipe', 'inherit']
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString())
      if (match !== null) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`${target.name} exited with ${code}`)))
  })
  const url = `http://127.0.0.1:${port}/mcp`
  // A first answer proves the server does the real work before it is timed.
  const check = await fetch(url, { method: 'POST', headers, body })
  const text = await check.text()
  if (!check.ok || !text.includes('"result":97')) throw new Error(`${target.name} answered ${check.status}: ${text}`)
  await load(url, 2) // warm-up: JIT in the host and in the worker or child
  return { target, child, url, rps: [], p99: [], errors: 0 }
}

function load (url: string, seconds: number) {
  return autocannon({ url, method: 'POST', headers, body, connections, duration: seconds })
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const running: Running[] = []
try {
  for (const target of targets) running.push(await prepare(target))
  for (let round = 1; round <= rounds; round++) {
    for (const server of running) {
      process.stderr.write(`round ${round}/${rounds}: ${server.target.name}...\n`)
      const result = await load(server.url, duration)
      server.rps.push(result.requests.average)
      server.p99.push(result.latency.p99)
      server.errors += result.errors + result.non2xx
    }
  }
} finally {
  for (const server of running) server.child.kill('SIGTERM')
}

const baseline = median(running[0].rps)
console.log(`\ntools/call calculate over HTTP: ${rounds} alternating rounds of ${duration} s per server, ${connections} connections, node ${process.version}, ${cpus().length} CPUs\n`)
console.log('| calculator loaded | calls/s (median) | rounds | p99 ms (median) | errors | vs in-process |')
console.log('|---|---:|---|---:|---:|---:|')
for (const server of running) {
  const rps = median(server.rps)
  console.log(`| ${server.target.name} | ${Math.round(rps)} | ${server.rps.map(Math.round).join(' / ')} | ${median(server.p99)} | ${server.errors} | ${(100 * rps / baseline).toFixed(1)}% |`)
}
