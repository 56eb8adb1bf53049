/**
 * The WebSocket ceiling: a bare `ws` server that parses each message, checks
 * the envelope and answers what the platform answers, with no MCP work (no
 * evaluator: `calculate`'s result is a constant). Like the platform, answers
 * produced in one tick leave in one write (cork, uncork on the next tick).
 */
import { WebSocketServer } from 'ws'
import { ANSWER, ready, SERVER_INFO } from './catalog.ts'

interface Message { jsonrpc?: string, id?: number, method?: string, params?: { _meta?: unknown } }

const MODERN = { resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': SERVER_INFO } }
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/mcp', perMessageDeflate: false, handleProtocols: (protocols) => protocols.has('mcp') ? 'mcp' : false })
wss.on('connection', (socket, request) => {
  const raw = request.socket
  let corked = false
  const uncork = () => { corked = false; raw.uncork() }
  socket.on('message', (data: Buffer) => {
    if (!corked) { corked = true; raw.cork(); process.nextTick(uncork) }
    const message = JSON.parse(data.toString()) as Message
    if (message.id === undefined) return // notifications/initialized
    let answer: unknown
    if (message.jsonrpc !== '2.0') answer = { error: { code: -32600, message: 'Invalid request' } }
    else if (message.method === 'initialize') answer = { result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: SERVER_INFO } }
    else if (message.method === 'tools/call') {
      answer = { result: { content: [{ type: 'text', text: String(ANSWER) }], structuredContent: { result: ANSWER }, ...(message.params?._meta !== undefined ? MODERN : undefined) } }
    } else answer = { error: { code: -32601, message: 'Method not found' } }
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, ...answer as object }))
  })
})
wss.once('listening', () => { ready((wss.address() as { port: number }).port) })
