/** `GET /health` (the path is an option): answers while the process serves (503 once it is shutting down). */
import type { FastifyPluginAsync } from 'fastify'
import type { ProtocolCore } from '../protocol/dispatcher.ts'

export const healthRoutes: FastifyPluginAsync<{ core: ProtocolCore, path: string }> = async (app, { core, path }) => {
  const started = Date.now()
  app.get(path, async (_request, reply) => {
    if (core.closing) return reply.code(503).send({ status: 'shutting down' })
    return {
      status: 'ok',
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      inFlight: core.calls.size,
      tools: core.registry.tools.size,
      resources: core.registry.resources.size + core.registry.templates.size,
      prompts: core.registry.prompts.size
    }
  })
}
