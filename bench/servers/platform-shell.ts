/**
 * The platform's shell without its MCP work: the app `npm start` builds
 * (buildApp: Fastify's logger as the platform sets it up, load shedding, the
 * error handlers) with `POST /shell` beside `/mcp`, in a context of its own
 * with what the MCP endpoint has before any MCP work (the security headers
 * and the Origin/Host check in one onRequest hook, the JSON parser that
 * drops `__proto__` keys), answering what the bare route answers. The gap
 * between this row and the bare route is what the platform's HTTP set-up
 * costs; the gap between it and the platform's row is the MCP work (header
 * and envelope checks, dispatch, argument validation, the handler's time
 * limit and cancellation, result checks, metrics).
 */
import { buildApp } from '../../apps/server/src/app.ts'
import { endpointGuard } from '../../apps/server/src/transports/http/endpoint-guard.ts'
import { parseJsonMessage } from '../../apps/server/src/transports/json-message.ts'
import { LOOPBACK_HOSTS } from '../../apps/server/src/transports/loopback.ts'
import calculator from '../../plugins/calculator/src/index.ts'
import { ANSWER, ready, SERVER_INFO } from './catalog.ts'

interface Message { jsonrpc?: string, id?: number | string, method?: string }

const META = { 'io.modelcontextprotocol/serverInfo': SERVER_INFO }

const app = await buildApp({
  logLevel: 'warn',
  stateSecret: 'bench',
  plugins: [{ plugin: calculator }, {
    plugin: async (app) => {
      // The platform's defaults: no cross-origin caller allowed, loopback Hosts.
      app.addHook('onRequest', endpointGuard({ allowedOrigins: [], allowedHosts: [...LOOPBACK_HOSTS] }))
      // The endpoint's parse step (parseJsonMessage); a body with a forbidden key is refused below.
      app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        try {
          const parsed = parseJsonMessage(body as string)
          done(null, parsed.forbiddenKey === undefined ? parsed.value : undefined)
        } catch (error) {
          done(error as Error)
        }
      })
      app.post('/shell', async (request, reply) => {
        const message = request.body as Message | undefined
        if (message?.jsonrpc !== '2.0' || message.method !== 'tools/call') {
          return reply.code(400).send({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid request' } })
        }
        return { jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: String(ANSWER) }], structuredContent: { result: ANSWER }, resultType: 'complete', _meta: META } }
      })
    }
  }]
})
await app.listen({ port: 0, host: '127.0.0.1' })
ready((app.server.address() as { port: number }).port)
