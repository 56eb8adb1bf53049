/** `GET /health` (the path is an option): answers while the process serves (503 once it is shutting down). */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { ProtocolCore } from '../protocol/dispatcher.ts'

export interface HealthOptions {
  core: ProtocolCore
  path: string
  /** With auth on: whether the caller may see counts (a valid credential); without it, only the status. */
  showDetail?: (request: FastifyRequest) => Promise<boolean>
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, { core, path, showDetail }) => {
  const started = Date.now()
  app.get(path, async (request, reply) => {
    if (core.closing) return reply.code(503).send({ status: 'shutting down' })
    // What is installed and how busy it is tells an attacker what to aim at: only for authenticated callers.
    if (showDetail !== undefined && !await showDetail(request)) return { status: 'ok' }
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
