/**
 * HTTP benchmark: `tools/call` of `calculate`, measured in one run against
 *   1. a bare Fastify route doing the same JSON-RPC work (the ceiling),
 *   2. this platform (modern 2026-07-28 request, JSON response),
 *   3. the official SDK (stateless Streamable HTTP, as documented).
 * Each server runs in its own process; autocannon runs here.
 *
 *   node bench/http.ts [--rounds 7] [--duration 3] [--connections 50] [--request-log]
 *
 * `--request-log` adds a fourth server: the platform at LOG_LEVEL=debug, which
 * writes one log line per request (to /dev/null), measured in the same
 * alternating rounds as the platform at its default level.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { cpus } from 'node:os'
import autocannon from 'autocannon'
import { numberOption } from './options.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const duration = numberOption('duration', 3)
const rounds = numberOption('rounds', 7)
const connections = numberOption('connections', 50)

const body = (id: number) => JSON.stringify({
  jsonrpc: '2.0',
  id,
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
const modernHeaders = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': 'calculate'
}

interface Target { name: string, script: string, headers: Record<string, string>, env?: Record<string, string> }

const targets: Target[] = [
  { name: 'bare Fastify route', script: 'bench/servers/bare-fastify.ts', headers: { 'content-type': 'application/json' } },
  { name: 'mcp-platform', script: 'bench/servers/platform.ts', headers: modernHeaders },
  { name: 'official SDK 1.x', script: 'bench/servers/official-sdk.ts', headers: { ...modernHeaders, 'mcp-protocol-version': '2025-11-25' } }
]
if (process.argv.includes('--request-log')) {
  targets.splice(2, 0, { name: 'mcp-platform, LOG_LEVEL=debug', script: 'bench/servers/platform.ts', headers: modernHeaders, env: { BENCH_LOG_LEVEL: 'debug' } })
}

async function start (script: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess, port: number }> {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString())
      if (match !== null) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
  })
  return { child, port }
}

interface Running { target: Target, child: ChildProcess, url: string, samples: number[], p99: number[], errors: number }

async function prepare (target: Target): Promise<Running> {
  const { child, port } = await start(target.script, target.env)
  const url = `http://127.0.0.1:${port}/mcp`
  // A first answer proves the server does the real work before it is timed.
  const check = await fetch(url, { method: 'POST', headers: target.headers, body: body(0) })
  const text = await check.text()
  if (!check.ok || !text.includes('"result":97')) throw new Error(`${target.name} answered ${check.status}: ${text}`)
  await load(target, url, 2) // warm-up: JIT, connection handling
  return { target, child, url, samples: [], p99: [], errors: 0 }
}

function load (target: Target, url: string, seconds: number) {
  return autocannon({ url, method: 'POST', headers: target.headers, body: body(1), connections, duration: seconds })
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

// Rounds alternate between the servers, so a machine that gets busier or
// quieter during the run shifts every server alike; medians are reported.
const running: Running[] = []
try {
  for (const target of targets) running.push(await prepare(target))
  for (let round = 1; round <= rounds; round++) {
    for (const server of running) {
      process.stderr.write(`round ${round}/${rounds}: ${server.target.name}...\n`)
      const result = await load(server.target, server.url, duration)
      server.samples.push(result.requests.average)
      server.p99.push(result.latency.p99)
      server.errors += result.errors + result.non2xx
    }
  }
} finally {
  for (const server of running) server.child.kill('SIGTERM')
}

const baseline = median(running[0].samples)
console.log(`\ntools/call calculate over HTTP: ${rounds} rounds of ${duration} s per server, ${connections} connections, node ${process.version}, ${cpus().length} CPUs\n`)
console.log('| server | req/s (median) | rounds | p99 ms (median) | errors | vs bare Fastify |')
console.log('|---|---:|---|---:|---:|---:|')
for (const server of running) {
  const rps = median(server.samples)
  console.log(`| ${server.target.name} | ${Math.round(rps)} | ${server.samples.map(Math.round).join(' / ')} | ${median(server.p99)} | ${server.errors} | ${(100 * rps / baseline).toFixed(1)}% |`)
}
