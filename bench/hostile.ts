/**
 * Replays the hostile-client reproductions of docs/limits.md against the
 * server as `npm start` runs it (default settings, compiled), one scenario
 * after another, each bounded in time and in requests. Throughout, another
 * client calls `calculate` in a loop: its p99 is reported with the server's
 * peak RSS. Loopback only. Build first (npm run build).
 *
 *   node bench/hostile.ts [--seconds 6]
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Agent } from 'undici'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const index = process.argv.indexOf('--seconds')
const SECONDS = index === -1 ? 6 : Number(process.argv[index + 1])
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} }

function rssMb (pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? 'VmRSS: 0 kB'
  return Math.round(Number(line.split(/\s+/)[1]) / 1024)
}

/** The server's child processes (the db plugin's SQLite processes). */
function childrenOf (pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x !== '').map(Number)
  } catch {
    return []
  }
}

/** RSS of the server and of its child processes together. */
function treeRssMb (pid: number): number {
  return childrenOf(pid).reduce((sum, child) => { try { return sum + rssMb(child) } catch { return sum } }, rssMb(pid))
}

/** CPU seconds used by the server, its live children and its reaped children (cutime/cstime). */
function treeCpuSeconds (pid: number): number {
  const ticks = (p: number, reaped: boolean): number => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')
      // utime, stime, cutime, cstime are fields 14-17 of stat, 12-15 after the ") ".
      return Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0)
    } catch {
      return 0
    }
  }
  return (ticks(pid, true) + childrenOf(pid).reduce((sum, child) => sum + ticks(child, false), 0)) / 100
}

/** `db: restarting a SQLite process` lines the server has logged. */
let dbRestarts = 0

async function startServer (): Promise<{ url: string, pid: number, stop: () => void }> {
  const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: ROOT, env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', MCP_STATE_SECRET: 'hostile-bench' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /MCP server listening on (http:\/\/\S+)"/.exec(output)
      if (match !== null) resolve(match[1])
    }
    child.stdout.on('data', read)
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${output}`)))
  })
  child.stdout.removeAllListeners('data')
  child.stdout.on('data', (chunk: Buffer) => { dbRestarts += chunk.toString().split('db: restarting a SQLite process').length - 1 })
  return { url, pid: child.pid as number, stop: () => child.kill('SIGTERM') }
}

function post (url: string, method: string, params: Record<string, unknown>, options: { dispatcher?: Agent, name?: string, signal?: AbortSignal } = {}) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(options.name !== undefined ? { 'mcp-name': options.name } : {})
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: META } }),
    dispatcher: options.dispatcher,
    signal: options.signal
  } as RequestInit)
}

/** The unrelated client: `calculate` in a loop from another loopback address; latencies recorded. */
function bystander (url: string) {
  const agent = new Agent({ localAddress: '127.0.0.2', connections: 2 })
  const latencies: number[] = []
  let failures = 0
  const stopped = new AbortController()
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      const started = performance.now()
      try {
        const res = await post(url, 'tools/call', { name: 'calculate', arguments: { expression: '6 * 7' } }, { dispatcher: agent, name: 'calculate' })
        const body = await res.json() as { result?: { structuredContent?: { result?: number } } }
        if (body.result?.structuredContent?.result !== 42) failures++
      } catch {
        failures++
      }
      latencies.push(performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })()
  return {
    async stop () {
      stopped.abort()
      await loop
      await agent.close()
      const sorted = [...latencies].sort((a, b) => a - b)
      return { calls: sorted.length, failures, p99: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? Number.NaN) }
    }
  }
}

/** A raw request whose answer is never read (the socket stays paused). */
function nonReader (url: string, method: string, params: Record<string, unknown>, name: string): Promise<Socket> {
  const { port } = new URL(url)
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: META } })
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.pause()
      socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n' +
        `MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: ${method}\r\nMcp-Name: ${name}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
      resolve(socket)
    })
    socket.on('error', () => {})
  })
}

const ENDLESS = 'with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) from r'
let serverPid = 0

async function selectOne (url: string, dispatcher?: Agent): Promise<string> {
  const started = performance.now()
  const res = await post(url, 'tools/call', { name: 'db_query', arguments: { sql: 'select 1 as one' } }, { name: 'db_query', dispatcher })
  const body = await res.json() as { result?: { isError?: boolean, content?: Array<{ text: string }> } }
  const ms = Math.round(performance.now() - started)
  return body.result?.isError === true ? `tool error in ${ms} ms "${body.result.content?.[0].text.slice(0, 90)}…"` : `rows in ${ms} ms`
}

/** Six endless CTEs (from one address, or one each), then another client's select 1: what each got. */
async function starve (url: string, addressOf: (i: number) => string | undefined): Promise<string> {
  const agents = Array.from({ length: 6 }, (_, i) => { const address = addressOf(i); return address === undefined ? undefined : new Agent({ localAddress: address }) })
  const outcomes = new Map<string, number>()
  const hogs = agents.map(async (dispatcher) => {
    const res = await post(url, 'tools/call', { name: 'db_query', arguments: { sql: ENDLESS } }, { name: 'db_query', dispatcher })
    const body = await res.json() as { result?: { content?: Array<{ text: string }> } }
    const text = body.result?.content?.[0].text ?? ''
    const key = /per client/.test(text) ? 'refused (per-client cap)' : /queue is full/.test(text) ? 'refused (queue full)' : /waited/.test(text) ? 'queue wait limit' : /statement time limit/.test(text) ? 'statement time limit' : text.slice(0, 40)
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
  })
  await new Promise((resolve) => setTimeout(resolve, 300))
  const other = new Agent({ localAddress: '127.0.0.4' })
  const answer = await selectOne(url, other)
  await Promise.all(hogs)
  await other.close()
  for (const agent of agents) await agent?.close()
  return `select 1: ${answer}; the CTEs: ${[...outcomes].map(([key, count]) => `${count} × ${key}`).join(', ')}`
}

const until = (seconds: number) => { const end = Date.now() + seconds * 1000; return () => Date.now() < end }

const initialize = (clientInfo: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo } })

const scenarios: Array<{ name: string, run: (url: string) => Promise<string> }> = [
  {
    name: 'initialize with a 1,000,000-character clientInfo, 4 in parallel',
    async run (url) {
      const going = until(SECONDS)
      const statuses = new Map<string, number>()
      const blob = initialize({ name: 'x'.repeat(1_000_000), version: '1' })
      await Promise.all([1, 2, 3, 4].map(async () => {
        while (going()) {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: blob })
          const text = await res.text()
          const key = `${res.status} ${/"code":(-?\d+)/.exec(text)?.[1] ?? ''}`
          statuses.set(key, (statuses.get(key) ?? 0) + 1)
        }
      }))
      return [...statuses].map(([key, count]) => `${count} × HTTP ${key}`).join(', ')
    }
  },
  {
    name: '10,050 initialize calls from one client, then another client',
    async run (url) {
      let ok = 0
      const body = initialize({ name: 'greedy', version: '1' })
      for (let i = 0; i < 10_050; i += 50) {
        const answers = await Promise.all(Array.from({ length: 50 }, async () => await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body })))
        for (const res of answers) { if (res.status === 200) ok++; await res.arrayBuffer() }
      }
      const other = new Agent({ localAddress: '127.0.0.3' })
      const late = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: initialize({ name: 'late', version: '1' }), dispatcher: other } as RequestInit)
      await late.arrayBuffer()
      await other.close()
      return `${ok} of 10,050 succeeded (the greedy client's oldest idle sessions made room); a later client: HTTP ${late.status}`
    }
  },
  {
    name: '3,000 subscriptions/listen streams from one client',
    async run (url) {
      const controllers: AbortController[] = []
      const statuses = new Map<number, number>()
      for (let i = 0; i < 3000; i += 100) {
        await Promise.all(Array.from({ length: 100 }, async () => {
          const controller = new AbortController()
          controllers.push(controller)
          try {
            const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: META } }), signal: controller.signal })
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
            if (res.status !== 200) await res.arrayBuffer()
          } catch { statuses.set(0, (statuses.get(0) ?? 0) + 1) }
        }))
      }
      const health = await fetch(new URL('/health', url))
      await health.arrayBuffer()
      for (const controller of controllers) controller.abort()
      return `${[...statuses].map(([status, count]) => `${count} × HTTP ${status}`).join(', ')}; /health during it: HTTP ${health.status}`
    }
  },
  {
    name: '20 clients ask db_query for 30 MB blobs and never read',
    async run (url) {
      const sockets = await Promise.all(Array.from({ length: 20 }, async () => await nonReader(url, 'tools/call', { name: 'db_query', arguments: { sql: 'select randomblob(30000000)' } }, 'db_query')))
      await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000))
      for (const socket of sockets) socket.destroy()
      return '20 connections held unread'
    }
  },
  {
    name: '2 clients looping 60 MB db_query answers',
    async run (url) {
      const going = until(SECONDS)
      const outcomes = new Map<string, number>()
      await Promise.all([1, 2].map(async () => {
        while (going()) {
          const res = await post(url, 'tools/call', { name: 'db_query', arguments: { sql: 'select zeroblob(60000000)' } }, { name: 'db_query' })
          const body = await res.json() as { result?: { isError?: boolean, structuredContent?: { truncated?: boolean } } }
          const key = body.result?.isError === true ? 'tool error' : body.result?.structuredContent?.truncated === true ? 'truncated result' : 'full result'
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
        }
      }))
      return [...outcomes].map(([key, count]) => `${count} × ${key}`).join(', ')
    }
  },
  {
    name: '6 endless recursive CTEs from one client, then another client\'s select 1',
    async run (url) {
      return await starve(url, () => undefined)
    }
  },
  {
    name: '6 endless recursive CTEs from 6 addresses, then another client\'s select 1',
    async run (url) {
      return await starve(url, (i) => `127.0.1.${i + 1}`)
    }
  },
  {
    name: '40 endless db_query calls whose connections drop after 150 ms, one after another',
    async run (url) {
      const restartsBefore = dbRestarts
      const cpuBefore = treeCpuSeconds(serverPid)
      const started = performance.now()
      let dropped = 0
      for (let i = 0; i < 40; i++) {
        try {
          const res = await post(url, 'tools/call', { name: 'db_query', arguments: { sql: ENDLESS } }, { name: 'db_query', signal: AbortSignal.timeout(150) })
          await res.arrayBuffer()
        } catch {
          dropped++
        }
      }
      // The restarts the drops caused happen just after: count them too.
      await new Promise((resolve) => setTimeout(resolve, 2000))
      const seconds = (performance.now() - started) / 1000
      const cpu = treeCpuSeconds(serverPid) - cpuBefore
      return `${dropped} dropped; ${dbRestarts - restartsBefore} SQLite process restarts; server and db processes ${Math.round(cpu * 100 / seconds)} % CPU over ${seconds.toFixed(1)} s; a select 1 after: ${await selectOne(url)}`
    }
  }
]

const server = await startServer()
serverPid = server.pid
console.log(`server ${server.url} (pid ${server.pid}), RSS at start ${rssMb(server.pid)} MB (with its db processes ${treeRssMb(server.pid)} MB), node ${process.version}\n`)
console.log('| scenario | what the hostile client got | peak RSS (MB): server / with db processes | unrelated calculate: calls, failures, p99 ms |')
console.log('|---|---|---:|---|')
for (const scenario of scenarios) {
  let peak = rssMb(server.pid)
  let peakTree = treeRssMb(server.pid)
  const sampler = setInterval(() => { try { peak = Math.max(peak, rssMb(server.pid)); peakTree = Math.max(peakTree, treeRssMb(server.pid)) } catch {} }, 100)
  const watch = bystander(server.url)
  let outcome: string
  try {
    outcome = await scenario.run(server.url)
  } catch (error) {
    outcome = `failed: ${(error as Error).message}`
  }
  const calls = await watch.stop()
  clearInterval(sampler)
  let alive = true
  try { process.kill(server.pid, 0) } catch { alive = false }
  console.log(`| ${scenario.name} | ${outcome}${alive ? '' : ' — SERVER DIED'} | ${peak} / ${peakTree} | ${calls.calls}, ${calls.failures}, ${calls.p99} |`)
  if (!alive) break
  await new Promise((resolve) => setTimeout(resolve, 1000))
}
server.stop()
