/**
 * The multi-instance figures of docs/operations.md, on this machine:
 *   1. calls per second through nginx (deploy/nginx/mcp-proxy.conf, round
 *      robin) with 1 and with 3 instances sharing one Redis;
 *   2. the latency a legacy session pays for living in Redis rather than in
 *      memory (one instance, no nginx, the same session on every request).
 * The instances run the compiled server as `npm start` does (build first:
 * `npm run build`); redis-server and nginx come from the system.
 *
 *   node bench/load-balanced.ts [--duration 5] [--connections 50]
 */
import autocannon from 'autocannon'
import { numberOption } from './options.ts'
import { startNginx } from '../test/helpers/nginx.ts'
import { freePort } from '../test/helpers/postgres.ts'
import { startRedis } from '../test/helpers/redis.ts'
import { COMPILED, launchServer, type ServerProcess } from '../test/helpers/server-process.ts'

const duration = numberOption('duration', 5)
const connections = numberOption('connections', 50)

// The servers log at info: launchServer waits for their "listening" line.
/** The helpers take a tap test for cleanup and skipping; here a small stand-in does it. */
const cleanup: Array<() => unknown> = []
const harness = {
  teardown: (fn: () => unknown) => { cleanup.push(fn) },
  fail: (message: string) => { throw new Error(message) },
  pass: (message: string) => { throw new Error(message) }
} as never

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' }
}
const modern = {
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'calculate' },
  body: JSON.stringify({ jsonrpc: '2.0', id: '[<id>]', method: 'tools/call', params: { name: 'calculate', arguments: { expression: '6 * 7' }, _meta: META } })
}

async function measure (url: string, headers: Record<string, string>, body: string): Promise<{ rps: number, p50: number, p99: number, errors: number }> {
  // Each request gets its own id ([<id>]): a legacy session refuses two requests in flight with the same id.
  const result = await autocannon({ url, method: 'POST', headers, body, duration, connections, idReplacement: true })
  return { rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx }
}

async function legacySession (url: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } })
  })
  await res.text()
  const id = res.headers.get('mcp-session-id')
  if (id === null) throw new Error(`initialize failed: ${res.status}`)
  return id
}

async function main (): Promise<void> {
  const redis = await startRedis(harness)
  if (redis === undefined) throw new Error('redis-server is needed')
  const ports = [await freePort(), await freePort(), await freePort()]
  const instances: ServerProcess[] = []
  for (const [i, port] of ports.entries()) {
    const server = await launchServer({ PORT: String(port), REDIS_URL: redis.url, LOG_LEVEL: 'info', MCP_STATE_SECRET: 'bench', INSTANCE_NAME: `i${i + 1}` }, COMPILED)
    instances.push(server)
    cleanup.push(() => server.stop())
  }
  const one = await startNginx(harness, ports.slice(0, 1))
  const three = await startNginx(harness, ports)
  if (one === undefined || three === undefined) throw new Error('nginx is needed')

  console.log(`# ${duration} s each, ${connections} connections, Node ${process.version}`)
  console.log('| setup | calls/s | p50 ms | p99 ms | errors |')
  console.log('|---|---:|---:|---:|---:|')
  const row = (name: string, r: Awaited<ReturnType<typeof measure>>) => console.log(`| ${name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`)
  row('1 instance, direct (modern)', await measure(`http://127.0.0.1:${ports[0]}/mcp`, modern.headers, modern.body))
  row('nginx → 1 instance (modern)', await measure(`${one.url}/mcp`, modern.headers, modern.body))
  row('nginx → 3 instances (modern)', await measure(`${three.url}/mcp`, modern.headers, modern.body))

  // Legacy sessions: the same instance, in memory (a fresh process without REDIS_URL) and in Redis.
  const memoryPort = await freePort()
  const memory = await launchServer({ PORT: String(memoryPort), LOG_LEVEL: 'info', MCP_STATE_SECRET: 'bench' }, COMPILED)
  cleanup.push(() => memory.stop())
  for (const [name, port] of [['1 instance, legacy session in memory', memoryPort], ['1 instance, legacy session in Redis', ports[0]]] as const) {
    const url = `http://127.0.0.1:${port}/mcp`
    const session = await legacySession(url)
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }
    const body = JSON.stringify({ jsonrpc: '2.0', id: '[<id>]', method: 'tools/call', params: { name: 'calculate', arguments: { expression: '6 * 7' } } })
    row(name, await measure(url, headers, body))
  }
  row('nginx → 3 instances, legacy session in Redis', await (async () => {
    const url = `${three.url}/mcp`
    const session = await legacySession(url)
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }
    return await measure(url, headers, JSON.stringify({ jsonrpc: '2.0', id: '[<id>]', method: 'tools/call', params: { name: 'calculate', arguments: { expression: '6 * 7' } } }))
  })())
}

try {
  await main()
} finally {
  for (const fn of cleanup.reverse()) await fn()
}
