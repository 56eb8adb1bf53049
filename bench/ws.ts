/**
 * WebSocket benchmark: `tools/call` of `calculate` over `ws://.../mcp`,
 * 50 connections with 10 calls in flight each, measured in one run against
 *   1. a bare `ws` server doing the same JSON-RPC work (parse, check the
 *      envelope, evaluate with the calculator's `evaluate`, answer the same
 *      result shape) and writing the same way (answers of one tick in one
 *      write): the ceiling;
 *   2. this platform (buildApp + the calculator plugin, as `npm start` builds it).
 * Each server runs in its own process (this file, started with `--serve`);
 * the load generator runs here. Rounds alternate between the servers and
 * medians are reported.
 *
 *   node bench/ws.ts [--era legacy|modern] [--rounds 7] [--duration 3] [--connections 50] [--in-flight 10]
 *
 * legacy: each connection sends `initialize` once, then plain requests (what
 * the SDK v1 WebSocketClientTransport does); modern: every request carries the
 * 2026-07-28 `_meta`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import WebSocket, { WebSocketServer } from 'ws'
import { evaluate } from '../plugins/calculator/src/evaluate.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SELF = fileURLToPath(import.meta.url)
const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const index = args.indexOf(`--${name}`)
  return index === -1 ? fallback : args[index + 1]
}

const EXPRESSIONS = ['2 * (3 + 4) ^ 2 - sqrt(16) / 4', '1 + 2 * 3', 'max(3, 9, 4) % 5', 'round(-2.5) + abs(-7)', '(1 + 2) * (3 + 4) / 7', '2 ^ 10 - 1', 'sqrt(2) * pi', 'floor(7.9) + ceil(0.1)']
const EXPECTED = EXPRESSIONS.map((expression) => evaluate(expression))
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' }
}

// ---------------------------------------------------------------- servers

async function serve (kind: string): Promise<void> {
  let port: number
  if (kind === 'platform') {
    const { buildApp } = await import('../apps/server/src/app.ts')
    const { default: calculator } = await import('../plugins/calculator/src/index.ts')
    const app = await buildApp({ logLevel: 'warn', plugins: [{ plugin: calculator }], stateSecret: 'bench' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    port = (app.server.address() as { port: number }).port
  } else {
    port = await bareServer()
  }
  process.stdout.write(`READY ${port}\n`)
  // A clean exit on SIGTERM lets `--cpu-prof` write its profile.
  process.on('SIGTERM', () => process.exit(0))
}

const MODERN_RESULT = { resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcp-platform', version: '0.1.0' } } }

/** The ceiling: a bare `ws` server answering the same messages with the same work and result shape. */
async function bareServer (): Promise<number> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: '/mcp',
    perMessageDeflate: false,
    handleProtocols: (protocols) => protocols.has('mcp') ? 'mcp' : false
  })
  wss.on('connection', (socket, request) => {
    // Like the platform, answers produced in one tick leave in one write (cork, uncork on the next tick).
    const raw = request.socket
    let corked = false
    const uncork = () => { corked = false; raw.uncork() }
    socket.on('message', (data: Buffer) => {
      if (!corked) { corked = true; raw.cork(); process.nextTick(uncork) }
      const message = JSON.parse(data.toString()) as { jsonrpc?: string, id?: number, method?: string, params?: { name?: string, arguments?: { expression?: string }, _meta?: unknown } }
      if (message.id === undefined) return // notifications/initialized
      if (message.jsonrpc !== '2.0') {
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32600, message: 'Invalid request' } }))
      } else if (message.method === 'initialize') {
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'bare', version: '0' } } }))
      } else if (message.method === 'tools/call' && message.params?.name === 'calculate') {
        const result = evaluate(String(message.params.arguments?.expression))
        // The same answer as the platform's, byte for byte: a 2026-07-28 request gets resultType and serverInfo.
        const answer: Record<string, unknown> = { content: [{ type: 'text', text: String(result) }], structuredContent: { result } }
        if (message.params._meta !== undefined) Object.assign(answer, MODERN_RESULT)
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: answer }))
      } else {
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } }))
      }
    })
  })
  await new Promise((resolve) => wss.once('listening', resolve))
  return (wss.address() as { port: number }).port
}

// ---------------------------------------------------------------- load generator

interface Run { messages: number, errors: number, checked: number, wrong: number }

/** Opens the connections (and initializes them, legacy era). */
async function connect (port: number, connections: number, era: string): Promise<WebSocket[]> {
  return await Promise.all(Array.from({ length: connections }, async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/mcp`, 'mcp', { perMessageDeflate: false })
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    if (era === 'legacy') {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } } }))
      await new Promise((resolve) => ws.once('message', resolve))
      ws.send('{"jsonrpc":"2.0","method":"notifications/initialized"}')
    }
    return ws
  }))
}

/** Keeps `inFlight` calls outstanding on every socket for `seconds`; counts answers. */
async function load (sockets: WebSocket[], inFlight: number, seconds: number, era: string): Promise<Run> {
  const run: Run = { messages: 0, errors: 0, checked: 0, wrong: 0 }
  const meta = era === 'modern' ? `,"_meta":${JSON.stringify(MODERN_META)}` : ''
  // The requests, prebuilt but for the id, so the generator spends little per message.
  const prefix = '{"jsonrpc":"2.0","method":"tools/call","id":'
  const bodies = EXPRESSIONS.map((expression) => `,"params":{"name":"calculate","arguments":{"expression":${JSON.stringify(expression)}}${meta}}}`)
  let running = true
  let outstanding = 0
  let nextId = 1
  let drained: (() => void) | undefined

  const send = (ws: WebSocket) => {
    const id = nextId++
    outstanding++
    ws.send(prefix + id + bodies[id % bodies.length])
  }
  for (const ws of sockets) {
    ws.removeAllListeners('message')
    ws.on('message', (data: Buffer) => {
      outstanding--
      if (running) run.messages++
      // One answer in 256 is parsed and checked against the expected value; all are scanned for errors.
      if (data.includes('"error":')) run.errors++
      else if ((run.messages & 255) === 0) {
        const message = JSON.parse(data.toString()) as { id: number, result: { structuredContent: { result: number } } }
        run.checked++
        if (message.result.structuredContent.result !== EXPECTED[message.id % EXPECTED.length]) run.wrong++
      }
      if (running) send(ws)
      else if (outstanding === 0) drained?.()
    })
    for (let i = 0; i < inFlight; i++) send(ws)
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  running = false
  if (outstanding > 0) await new Promise<void>((resolve) => { drained = resolve })
  return run
}

async function start (kind: string): Promise<{ child: ChildProcess, port: number }> {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', SELF, '--serve', kind], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString())
      if (match !== null) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)))
  })
  return { child, port }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** CPU seconds a process has used (Linux /proc; user + system), or NaN elsewhere. */
function cpuSeconds (pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN
  }
}

async function main (): Promise<void> {
  const era = option('era', 'legacy')
  const rounds = Number(option('rounds', '7'))
  const duration = Number(option('duration', '3'))
  const connections = Number(option('connections', '50'))
  const inFlight = Number(option('in-flight', '10'))

  const targets = [{ name: 'bare ws server', kind: 'bare' }, { name: 'mcp-platform', kind: 'platform' }]
  const running: Array<{
    name: string
    child: ChildProcess
    sockets: WebSocket[]
    /** Answers per second of wall time, per round. */
    samples: number[]
    /** Answers per CPU second of the server process, per round: less sensitive to a busy machine. */
    perCpu: number[]
    /** Share of one core the server and the load generator used, per round. */
    serverLoad: number[]
    clientLoad: number[]
    errors: number
    checked: number
    wrong: number
  }> = []
  try {
    for (const target of targets) {
      const { child, port } = await start(target.kind)
      const sockets = await connect(port, connections, era)
      const warm = await load(sockets, inFlight, 2, era) // warm-up: JIT
      if (warm.errors > 0 || warm.messages === 0) throw new Error(`${target.name}: ${warm.errors} errors in the warm-up`)
      running.push({ name: target.name, child, sockets, samples: [], perCpu: [], serverLoad: [], clientLoad: [], errors: 0, checked: 0, wrong: 0 })
    }
    for (let round = 1; round <= rounds; round++) {
      for (const server of running) {
        process.stderr.write(`round ${round}/${rounds}: ${server.name}...\n`)
        const serverBefore = cpuSeconds(server.child.pid!)
        const clientBefore = process.cpuUsage()
        const wallBefore = performance.now()
        const result = await load(server.sockets, inFlight, duration, era)
        const wall = (performance.now() - wallBefore) / 1000
        const serverCpu = cpuSeconds(server.child.pid!) - serverBefore
        const clientCpu = process.cpuUsage(clientBefore)
        server.samples.push(result.messages / duration)
        server.perCpu.push(result.messages / serverCpu)
        server.serverLoad.push(serverCpu / wall)
        server.clientLoad.push((clientCpu.user + clientCpu.system) / 1e6 / wall)
        server.errors += result.errors
        server.checked += result.checked
        server.wrong += result.wrong
      }
    }
  } finally {
    for (const server of running) {
      for (const ws of server.sockets) ws.terminate()
      server.child.kill('SIGTERM')
    }
  }

  const baseline = median(running[0].samples)
  console.log(`\ntools/call calculate over WebSocket (${era} era): ${rounds} rounds of ${duration} s per server, ` +
    `${connections} connections x ${inFlight} in flight, node ${process.version}, ${cpus().length} CPUs\n`)
  const baselinePerCpu = median(running[0].perCpu)
  const percent = (value: number) => `${Math.round(100 * value)}%`
  console.log('| server | messages/s (median) | rounds | vs bare ws | messages per server CPU-s (median) | vs bare ws | server / generator CPU | errors | answers checked (wrong) |')
  console.log('|---|---:|---|---:|---:|---:|---|---:|---:|')
  for (const server of running) {
    const rate = median(server.samples)
    const perCpu = median(server.perCpu)
    console.log(`| ${server.name} | ${Math.round(rate)} | ${server.samples.map(Math.round).join(' / ')} | ${(100 * rate / baseline).toFixed(1)}% | ` +
      `${Math.round(perCpu)} | ${(100 * perCpu / baselinePerCpu).toFixed(1)}% | ${percent(median(server.serverLoad))} / ${percent(median(server.clientLoad))} | ` +
      `${server.errors} | ${server.checked} (${server.wrong}) |`)
  }
}

if (args[0] === '--serve') await serve(args[1])
else await main()
