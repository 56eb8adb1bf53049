/**
 * Memory per idle 2025-era session (10,000 sessions, each initialized), per
 * open WebSocket and per open `subscriptions/listen` stream: the server's heap
 * and RSS after a full GC, before and after, divided by the count. The server
 * is bench/servers/platform.ts with BENCH_MEMORY=1 (per-client caps lifted,
 * as one load generator opens them all).
 */
import { request as httpRequest, type ClientRequest } from 'node:http'
import autocannon from 'autocannon'
import { startServer, type BenchServer } from '../lib/process.ts'
import { connect } from '../lib/ws-load.ts'

interface Memory { rss: number, heapUsed: number }

/** The row the issue's memory target names (bench/lib/targets.ts). */
export const IDLE_SESSION = 'idle 2025-11-25 session (HTTP)'

export interface MemoryResult { what: string, count: number, heapBytesEach: number, rssBytesEach: number }

/** BENCH_HEAP_SNAPSHOTS=<folder>: a heap snapshot with each measurement (before/after), to see what the memory holds. */
let snapshots = 0
async function memoryOf (server: BenchServer): Promise<Memory> {
  const folder = process.env.BENCH_HEAP_SNAPSHOTS
  const query = folder !== undefined ? `?snapshot=${encodeURIComponent(`${folder}/${++snapshots}.heapsnapshot`)}` : ''
  const response = await fetch(`http://127.0.0.1:${server.port}/bench/memory${query}`)
  return await response.json() as Memory
}

/** Opens `count` sessions: initialize, then notifications/initialized on the session it returned. */
async function openSessions (port: number, count: number): Promise<number> {
  let opened = 0
  const initialize = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } } })
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
  await autocannon({
    url: `http://127.0.0.1:${port}/mcp`,
    connections: 50,
    amount: count * 2,
    requests: [
      {
        method: 'POST',
        headers,
        body: initialize,
        onResponse: (_status, _body, context, responseHeaders) => { (context as { session?: string }).session = (responseHeaders as Record<string, string>)['mcp-session-id'] }
      },
      {
        method: 'POST',
        body: '{"jsonrpc":"2.0","method":"notifications/initialized"}',
        setupRequest: (request, context) => ({ ...request, headers: { ...headers, 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': (context as { session: string }).session } }),
        onResponse: (status) => { if (status === 202) opened++ }
      }
    ]
  })
  return opened
}

/** Opens `count` 2026-07-28 listen streams and waits until each has its acknowledgement. */
async function openListenStreams (port: number, count: number): Promise<ClientRequest[]> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'subscriptions/listen',
    params: {
      notifications: { toolsListChanged: true },
      _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' } }
    }
  })
  const open = async (): Promise<ClientRequest> => await new Promise((resolve, reject) => {
    const request = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/mcp',
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' }
    }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`subscriptions/listen answered ${response.statusCode}`))
      response.once('data', () => { resolve(request) })
    })
    request.once('error', reject)
    request.end(body)
  })
  const requests: ClientRequest[] = []
  for (let i = 0; i < count; i += 100) requests.push(...await Promise.all(Array.from({ length: Math.min(100, count - i) }, open)))
  return requests
}

export async function measureMemory (counts: { sessions: number, sockets: number, streams: number }): Promise<MemoryResult[]> {
  const results: MemoryResult[] = []
  const each = (what: string, count: number, before: Memory, after: Memory): MemoryResult =>
    ({ what, count, heapBytesEach: (after.heapUsed - before.heapUsed) / count, rssBytesEach: (after.rss - before.rss) / count })

  const server = await startServer('bench/servers/platform.ts', { BENCH_MEMORY: '1' }, ['--expose-gc'])
  try {
    // Warm-up: the code that opens sessions is compiled before the first measurement, not during it.
    await openSessions(server.port, 500)
    let before = await memoryOf(server)
    const opened = await openSessions(server.port, counts.sessions)
    if (opened !== counts.sessions) throw new Error(`${opened} of ${counts.sessions} sessions opened`)
    results.push(each(IDLE_SESSION, opened, before, await memoryOf(server)))

    before = await memoryOf(server)
    const sockets = await connect(server.port, counts.sockets, 'legacy')
    results.push(each('open WebSocket (2025-11-25, initialized)', sockets.length, before, await memoryOf(server)))
    for (const ws of sockets) ws.terminate()

    before = await memoryOf(server)
    const streams = await openListenStreams(server.port, counts.streams)
    results.push(each('open subscriptions/listen stream (HTTP)', streams.length, before, await memoryOf(server)))
    for (const stream of streams) stream.destroy()
  } finally {
    await server.stop()
  }
  return results
}
