/**
 * The official SDK (@modelcontextprotocol/sdk 1.x) serving the same tool
 * statelessly over Streamable HTTP, the way its documentation shows: a new
 * McpServer and transport per request.
 */
import { createServer } from 'node:http'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { z } from 'zod'
import { evaluate } from '../../plugins/calculator/src/evaluate.ts'

function createMcpServer (): McpServer {
  const server = new McpServer({ name: 'sdk-bench', version: '1.0.0' })
  server.registerTool('calculate', {
    description: 'Evaluate an arithmetic expression',
    inputSchema: { expression: z.string().min(1).max(1000) },
    outputSchema: { result: z.number() }
  }, async ({ expression }) => {
    const result = evaluate(expression)
    return { content: [{ type: 'text', text: String(result) }], structuredContent: { result } }
  })
  return server
}

const http = createServer((req, res) => {
  let body = ''
  req.on('data', (chunk: Buffer) => { body += chunk.toString() })
  req.on('end', async () => {
    const server = createMcpServer()
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    res.on('close', () => { void transport.close(); void server.close() })
    await server.connect(transport)
    await transport.handleRequest(req, res, JSON.parse(body))
  })
})
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`READY ${(http.address() as { port: number }).port}\n`)
})
