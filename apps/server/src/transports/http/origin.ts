/**
 * DNS-rebinding protection: a browser on a hostile page can reach a server on
 * loopback, but it cannot hide where it comes from (`Origin`) or which name
 * it resolved (`Host`). Requests from origins or to hosts not allowed get 403.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { forbidden } from '../../protocol/errors.ts'
import { isLoopback } from '../loopback.ts'
import { sendError } from './status.ts'

export interface OriginPolicy {
  /** Exact origins (`https://app.example.com`), or `*` for any. Empty: loopback origins only. */
  allowedOrigins: string[]
  /** Host names (without port) the server answers to, or `*` for any. */
  allowedHosts: string[]
}


function hostname (host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1)
  const colon = host.indexOf(':')
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase()
}

export function createOriginCheck (policy: OriginPolicy) {
  const anyOrigin = policy.allowedOrigins.includes('*')
  const origins = new Set(policy.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')))
  const anyHost = policy.allowedHosts.includes('*')
  const hosts = new Set(policy.allowedHosts.map((h) => h.toLowerCase()))

  const originAllowed = (origin: string): boolean => {
    if (anyOrigin) return true
    const normalized = origin.toLowerCase()
    if (origins.has(normalized)) return true
    if (origins.size > 0) return false
    // Default: any port on a loopback name.
    try {
      const url = new URL(normalized)
      return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopback(url.hostname)
    } catch {
      return false
    }
  }

  return function checkOrigin (request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const host = request.headers.host
    if (!anyHost && (host === undefined || !hosts.has(hostname(host)))) {
      request.log.warn({ host }, 'request refused: Host not allowed (DNS rebinding protection)')
      sendError(reply, forbidden(`Host '${host ?? ''}' is not allowed; set MCP_ALLOWED_HOSTS to serve other names`))
      return
    }
    const origin = request.headers.origin
    if (origin !== undefined && !originAllowed(origin)) {
      request.log.warn({ origin }, 'request refused: Origin not allowed (DNS rebinding protection)')
      sendError(reply, forbidden(`Origin '${origin}' is not allowed; set MCP_ALLOWED_ORIGINS to allow it`))
      return
    }
    done()
  }
}
