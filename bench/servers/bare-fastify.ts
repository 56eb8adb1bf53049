/**
 * Baseline: a bare Fastify route doing the same JSON-RPC work as the MCP
 * server's `tools/call calculate` — parse the body, check the envelope,
 * evaluate, answer the same result — and nothing else.
 */
import Fastify, { LogController } from 'fastify'
import { evaluate } from '../../plugins/calculator/src/evaluate.ts'

const MODERN_RESULT = { resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcp-platform', version: '0.1.0' } } }

const app = Fastify({ logger: { level: 'warn' }, logController: new LogController({ disableRequestLogging: true }) })

app.post('/mcp', async (request, reply) => {
  const body = request.body as { jsonrpc?: string, id?: number, method?: string, params?: { name?: string, arguments?: { expression?: string } } }
  if (body.jsonrpc !== '2.0' || body.method !== 'tools/call' || body.params?.name !== 'calculate') {
    return reply.code(400).send({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid request' } })
  }
  const result = evaluate(String(body.params.arguments?.expression))
  // The same answer as the platform's for a 2026-07-28 request, byte for byte.
  return { jsonrpc: '2.0', id: body.id, result: { content: [{ type: 'text', text: String(result) }], structuredContent: { result }, ...MODERN_RESULT } }
})

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`READY ${(app.server.address() as { port: number }).port}\n`)
process.on('SIGINT', () => process.exit(0))
