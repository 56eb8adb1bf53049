/**
 * The official SDK v2 (@modelcontextprotocol/server 2.x) serving the same
 * tools as its serving guide shows for node:http: one server factory given to
 * `createMcpHandler` (2026-07-28 requests, and the stateless fallback for
 * 2025-era ones), adapted with `toNodeHandler` from @modelcontextprotocol/node,
 * behind the localhost Host and Origin guards that guide puts in front.
 */
import { createServer } from 'node:http'
import { localhostHostValidation, localhostOriginValidation, toNodeHandler } from '@modelcontextprotocol/node'
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server'
import { z } from 'zod'
import { evaluate } from '../../plugins/calculator/src/evaluate.ts'
import { FILLER_TOOLS, PROGRESS_STEPS, ready } from './catalog.ts'

function createMcpServer (): McpServer {
  const server = new McpServer({ name: 'sdk-v2-bench', version: '1.0.0' })
  server.registerTool('calculate', {
    description: 'Evaluate an arithmetic expression',
    inputSchema: z.object({ expression: z.string().min(1).max(1000) }),
    outputSchema: z.object({ result: z.number() })
  }, async ({ expression }) => {
    const result = evaluate(expression)
    return { content: [{ type: 'text', text: String(result) }], structuredContent: { result } }
  })
  server.registerTool('count', { description: 'Counts with progress', inputSchema: z.object({}) }, async (_args, ctx) => {
    for (let step = 1; step <= PROGRESS_STEPS; step++) await ctx.mcpReq.notify?.({ method: 'notifications/progress', params: { progressToken: 0, progress: step, total: PROGRESS_STEPS } })
    return { content: [{ type: 'text', text: 'counted' }] }
  })
  for (const tool of FILLER_TOOLS) {
    server.registerTool(tool.name, { description: tool.description, inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({ content: [{ type: 'text', text }] }))
  }
  return server
}

const handler = toNodeHandler(createMcpHandler(createMcpServer))
const validateHost = localhostHostValidation()
const validateOrigin = localhostOriginValidation()
const http = createServer((request, response) => {
  if (!validateHost(request, response) || !validateOrigin(request, response)) return
  void handler(request, response)
})
http.listen(0, '127.0.0.1', () => { ready((http.address() as { port: number }).port) })
