/**
 * What authentication costs on the hot path: `tools/call` (calculate) and
 * `tools/list` (41 tools, 20 of them scoped, so the list is filtered per
 * caller) against the platform with no auth, HS256 JWTs and ES256 JWTs from
 * a JWKS. Rounds alternate between the servers; medians are reported.
 *
 *   node bench/auth.ts [--rounds 5] [--duration 3] [--connections 50]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { cpus } from 'node:os'
import autocannon from 'autocannon'
import { numberOption } from './options.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const duration = numberOption('duration', 3)
const rounds = numberOption('rounds', 5)
const connections = numberOption('connections', 50)
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' }
}
const calls = {
  'tools/call': { body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'calculate', arguments: { expression: '2 * (3 + 4)' }, _meta: META } }, headers: { 'mcp-method': 'tools/call', 'mcp-name': 'calculate' } },
  'tools/list': { body: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: META } }, headers: { 'mcp-method': 'tools/list' } }
}

interface Running { mode: string, child: ChildProcess, url: string, token: string, samples: Record<string, number[]> }

async function start (mode: string): Promise<Running> {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', 'bench/servers/platform-auth.ts'], {
    cwd: ROOT, env: { ...process.env, BENCH_AUTH: mode }, stdio: ['ignore', 'pipe', 'inherit']
  })
  const [port, token] = await new Promise<[number, string]>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /READY (\d+) (\S+)/.exec(chunk.toString())
      if (match !== null) resolve([Number(match[1]), match[2] === '-' ? '' : match[2]])
    })
    child.once('exit', (code) => reject(new Error(`${mode} exited with ${code}`)))
  })
  return { mode, child, url: `http://127.0.0.1:${port}/mcp`, token, samples: { 'tools/call': [], 'tools/list': [] } }
}

function headersOf (server: Running, method: keyof typeof calls): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    ...calls[method].headers,
    ...(server.token !== '' ? { authorization: `Bearer ${server.token}` } : {})
  }
}

async function run (server: Running, method: keyof typeof calls, seconds: number) {
  const result = await autocannon({ url: server.url, method: 'POST', headers: headersOf(server, method), body: JSON.stringify(calls[method].body), connections, duration: seconds })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${server.mode} ${method}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return result.requests.average
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const servers: Running[] = []
try {
  for (const mode of ['none', 'hs256', 'jwks']) {
    const server = await start(mode)
    const check = await (await fetch(server.url, { method: 'POST', headers: headersOf(server, 'tools/list'), body: JSON.stringify(calls['tools/list'].body) })).json() as { result: { tools: unknown[] } }
    process.stderr.write(`${mode}: tools/list shows ${check.result.tools.length} tools\n`)
    await run(server, 'tools/call', 1)
    servers.push(server)
  }
  for (let round = 1; round <= rounds; round++) {
    for (const server of servers) {
      for (const method of ['tools/call', 'tools/list'] as const) {
        process.stderr.write(`round ${round}/${rounds}: ${server.mode} ${method}\n`)
        server.samples[method].push(await run(server, method, duration))
      }
    }
  }
} finally {
  for (const server of servers) server.child.kill('SIGTERM')
}
console.log(`\n${rounds} rounds of ${duration} s, ${connections} connections, node ${process.version}, ${cpus().length} CPUs\n`)
console.log('| auth | tools/call req/s | vs none | tools/list req/s (filtered) | vs none |')
console.log('|---|---:|---:|---:|---:|')
const base = servers[0]
for (const server of servers) {
  const call = median(server.samples['tools/call'])
  const list = median(server.samples['tools/list'])
  console.log(`| ${server.mode} | ${Math.round(call)} | ${(100 * call / median(base.samples['tools/call'])).toFixed(0)}% | ${Math.round(list)} | ${(100 * list / median(base.samples['tools/list'])).toFixed(0)}% |`)
}
