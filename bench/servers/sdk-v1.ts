/**
 * The official SDK v1 (@modelcontextprotocol/sdk 1.x) serving the same tools
 * over Streamable HTTP on node:http, as its documentation shows:
 *   BENCH_SESSIONS=0 (default): stateless, a new McpServer and transport per
 *     request (`sessionIdGenerator: undefined`), JSON answers;
 *   BENCH_SESSIONS=1: a transport per session kept in a map by session id,
 *     created on `initialize` (`sessionIdGenerator: randomUUID`).
 * BENCH_SSE=1 answers with SSE streams instead of JSON (for `count`'s progress).
 * v1 speaks the 2025-11-25 protocol (no 2026-07-28).
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { evaluate } from '../../plugins/calculator/src/evaluate.ts'
import { FILLER_TOOLS, PROGRESS_STEPS, ready } from './catalog.ts'

const sessions = process.env.BENCH_SESSIONS === '1'
const enableJsonResponse = process.env.BENCH_SSE !== '1'

function createMcpServer (): McpServer {
  const server = new McpServer({ name: 'sdk-v1-bench', version: '1.0.0' })
  server.registerTool('calculate', {
    description: 'Evaluate an arithmetic expression',
    inputSchema: { expression: z.string().min(1).max(1000) },
    outputSchema: { result: z.number() }
  }, async ({ expression }) => {
    const result = evaluate(expression)
    return { content: [{ type: 'text', text: String(result) }], structuredContent: { result } }
  })
  server.registerTool('count', { description: 'Counts with progress', inputSchema: {} }, async (_args, extra) => {
    const token = extra._meta?.progressToken
    for (let step = 1; step <= PROGRESS_STEPS; step++) {
      if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: step, total: PROGRESS_STEPS } })
    }
    return { content: [{ type: 'text', text: 'counted' }] }
  })
  for (const tool of FILLER_TOOLS) {
    server.registerTool(tool.name, { description: tool.description, inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }))
  }
  return server
}

async function readJson (request: IncomingMessage): Promise<unknown> {
  let body = ''
  for await (const chunk of request) body += (chunk as Buffer).toString()
  return JSON.parse(body)
}

const transports = new Map<string, StreamableHTTPServerTransport>()

const http = createServer((request, response) => {
  void (async () => {
    const body = await readJson(request)
    if (!sessions) {
      const server = createMcpServer()
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse })
      response.on('close', () => { void transport.close(); void server.close() })
      await server.connect(transport)
      await transport.handleRequest(request, response, body)
      return
    }
    const id = request.headers['mcp-session-id'] as string | undefined
    let transport = id !== undefined ? transports.get(id) : undefined
    if (transport === undefined && id === undefined && isInitializeRequest(body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse,
        onsessioninitialized: (sessionId) => { transports.set(sessionId, transport!) }
      })
      transport.onclose = () => { if (transport!.sessionId !== undefined) transports.delete(transport!.sessionId) }
      await createMcpServer().connect(transport)
    }
    if (transport === undefined) {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"No valid session"}}')
      return
    }
    await transport.handleRequest(request, response, body)
  })()
})
http.listen(0, '127.0.0.1', () => { ready((http.address() as { port: number }).port) })
