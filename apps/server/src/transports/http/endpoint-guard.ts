/**
 * The MCP endpoint's one onRequest hook: the security headers, then the
 * Origin/Host check. One hook for both, since each hook is a step of every
 * request. The benchmark's platform shell uses it too, so that it measures
 * what the endpoint does before any MCP work.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { createOriginCheck, type OriginPolicy } from './origin.ts'
import { securityHeaders } from './security-headers.ts'

export function endpointGuard (policy: OriginPolicy): (request: FastifyRequest, reply: FastifyReply, done: () => void) => void {
  const checkOrigin = createOriginCheck(policy)
  return (request, reply, done) => {
    securityHeaders(reply)
    checkOrigin(request, reply, done)
  }
}
