/**
 * fastmcp (punkpeye/fastmcp) serving the same tools as its README shows:
 * `server.start({ transportType: 'httpStream', httpStream: { port } })`,
 * with sessions (its default), or `stateless: true` when BENCH_SESSIONS=0.
 * fastmcp speaks the 2025-11-25 protocol (its README: no 2026-07-28).
 */
import { FastMCP } from 'fastmcp'
import { z } from 'zod'
import { evaluate } from '../../plugins/calculator/src/evaluate.ts'
import { FILLER_TOOLS, ready } from './catalog.ts'
import { freePort } from '../lib/free-port.ts'

const server = new FastMCP({ name: 'fastmcp-bench', version: '1.0.0' })
server.addTool({
  name: 'calculate',
  description: 'Evaluate an arithmetic expression',
  parameters: z.object({ expression: z.string().min(1).max(1000) }),
  execute: async ({ expression }) => String(evaluate(expression))
})
for (const tool of FILLER_TOOLS) {
  server.addTool({ name: tool.name, description: tool.description, parameters: z.object({ text: z.string() }), execute: async ({ text }) => text })
}
const port = await freePort()
await server.start({ transportType: 'httpStream', httpStream: { port, host: '127.0.0.1', endpoint: '/mcp', stateless: process.env.BENCH_SESSIONS === '0' } })
ready(port)
