/**
 * The ceiling: a bare Fastify route that parses the JSON-RPC body (Fastify's
 * own JSON parser), checks the envelope, and answers what the platform
 * answers, with no MCP work: no sessions, no validation, no evaluator (the
 * result of `calculate` is a constant), no hooks. `tools/list` serializes the
 * same list of tools each time.
 *
 * For bench/features.ts, two of the platform's production features can be
 * added, one at a time, to measure what each costs on its own:
 * BENCH_LOGGER=1 gives the route Fastify's logger as `npm start` sets it up
 * (pino at warn, request logging off, the lazy request child), and
 * BENCH_SECURITY_HEADERS=1 sets the platform's security headers on every
 * answer, as the platform does, in an onRequest hook.
 */
import Fastify, { LogController } from 'fastify'
import { lazyChildLogger } from '../../apps/server/src/ops/lazy-child-logger.ts'
import { securityHeaders } from '../../apps/server/src/transports/http/security-headers.ts'
import { ANSWER, FILLER_TOOLS, ready, SERVER_INFO } from './catalog.ts'

interface Message { jsonrpc?: string, id?: number | string, method?: string, params?: { _meta?: unknown } }

const MODERN = { resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': SERVER_INFO } }
const TOOLS = [
  { name: 'calculate', description: 'Evaluate an arithmetic expression', inputSchema: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } },
  { name: 'count', description: 'Counts with progress', inputSchema: { type: 'object', properties: {} } },
  ...FILLER_TOOLS.map((tool) => ({ ...tool, inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }))
]

const app = process.env.BENCH_LOGGER === '1'
  ? Fastify({ logger: { level: 'warn' }, logController: new LogController({ disableRequestLogging: true }), childLoggerFactory: lazyChildLogger })
  : Fastify({ logger: false })
if (process.env.BENCH_SECURITY_HEADERS === '1') {
  app.addHook('onRequest', (_request, reply, done) => {
    securityHeaders(reply)
    done()
  })
}
app.post('/mcp', async (request, reply) => {
  const message = request.body as Message
  if (message?.jsonrpc !== '2.0' || typeof message.method !== 'string') {
    return reply.code(400).send({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid request' } })
  }
  const modern = message.params?._meta !== undefined ? MODERN : undefined
  switch (message.method) {
    case 'tools/call':
      return { jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: String(ANSWER) }], structuredContent: { result: ANSWER }, ...modern } }
    case 'tools/list':
      return { jsonrpc: '2.0', id: message.id, result: { tools: TOOLS, ...modern } }
    default:
      return { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } }
  }
})
await app.listen({ port: 0, host: '127.0.0.1' })
ready((app.server.address() as { port: number }).port)
