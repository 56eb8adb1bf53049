/**
 * WebSocket load: `connections` sockets, each keeping `inFlight` calls
 * outstanding; every answer is checked (its id was sent on that socket and
 * is still outstanding, and it holds the expected result).
 */
import WebSocket from 'ws'
import type { Era } from './requests.ts'

export interface WsLoad { sockets: WebSocket[], era: Era, inFlight: number, expected: string }

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' }
}

/** Opens the connections (and, 2025 era, initializes each: what the SDK v1 WebSocket client does). */
export async function connect (port: number, connections: number, era: Era): Promise<WebSocket[]> {
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

export interface WsRun { rate: number, p50: number, p99: number, errors: number, checked: number }

export async function runWs (load: WsLoad, tool: string, args: Record<string, unknown>, seconds: number): Promise<WsRun> {
  const meta = load.era === 'modern' ? `,"_meta":${JSON.stringify(MODERN_META)}` : ''
  const prefix = '{"jsonrpc":"2.0","method":"tools/call","id":'
  const rest = `,"params":{"name":${JSON.stringify(tool)},"arguments":${JSON.stringify(args)}${meta}}}`
  let running = true
  let outstanding = 0
  let nextId = 1
  let answered = 0
  let errors = 0
  let drained: (() => void) | undefined
  const sentAt = new Map<number, number>()
  const latencies: number[] = []

  const send = (ws: WebSocket) => {
    const id = nextId++
    outstanding++
    sentAt.set(id, performance.now())
    ws.send(prefix + id + rest)
  }
  for (const ws of load.sockets) {
    ws.removeAllListeners('message')
    ws.on('message', (data: Buffer) => {
      outstanding--
      const text = data.toString()
      // Answers start with {"jsonrpc":"2.0","id":<id>, (the platform's and the bare server's alike).
      const start = text.indexOf('"id":') + 5
      const id = Number(text.slice(start, text.indexOf(',', start)))
      const sent = sentAt.get(id)
      if (sent === undefined || !text.includes(load.expected) || text.includes('"error":')) errors++
      else {
        sentAt.delete(id)
        if (running) {
          answered++
          if ((answered & 15) === 0) latencies.push(performance.now() - sent)
        }
      }
      if (running) send(ws)
      else if (outstanding === 0) drained?.()
    })
    for (let i = 0; i < load.inFlight; i++) send(ws)
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  running = false
  if (outstanding > 0) await new Promise<void>((resolve) => { drained = resolve })
  latencies.sort((a, b) => a - b)
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN)
  return { rate: answered / seconds, p50: at(0.5), p99: at(0.99), errors, checked: answered + errors }
}
