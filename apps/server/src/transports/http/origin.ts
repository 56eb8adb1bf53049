/**
 * DNS-rebinding protection: a browser on a hostile page can reach a server on
 * loopback, but it cannot hide where it comes from (`Origin`) or which name
 * it resolved (`Host`). Requests from origins or to hosts not allowed get 403.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { forbidden, hostMalformed } from '../../protocol/errors.ts'
import { clip } from '../../protocol/log-values.ts'
import { isLoopback } from '../loopback.ts'
import { sendError } from './status.ts'

export interface OriginPolicy {
  /** Exact origins (`https://app.example.com`), or `*` for any. Empty: loopback origins only. */
  allowedOrigins: string[]
  /** Host names (without port) the server answers to, or `*` for any. */
  allowedHosts: string[]
}

/** One host and an optional port, as RFC 9110 allows in Host: a name or IPv4 address, or an IPv6 literal in brackets. */
const HOST_HEADER = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/** The host name of a well-formed Host header (lower case, without port); undefined for a list, spaces or junk. */
function hostname (host: string | undefined): string | undefined {
  if (host === undefined || !HOST_HEADER.test(host)) return undefined
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase()
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

  // Clients send the same Host on every request: the last one allowed skips the parse (the answer for a given value never changes).
  let lastAllowedHost: string | undefined
  let lastAllowedOrigin: string | undefined

  return function checkOrigin (request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const host = request.headers.host
    if (host === undefined || host !== lastAllowedHost) {
      if (!hostAllowed(request, reply, host)) return
      lastAllowedHost = host
    }
    const origin = request.headers.origin
    if (origin !== undefined && origin !== lastAllowedOrigin) {
      if (!originAllowed(origin)) {
        request.log.warn({ origin: clip(origin) }, 'request refused: Origin not allowed (DNS rebinding protection)')
        sendError(reply, forbidden(`Origin '${clip(origin, 100)}' is not allowed; set MCP_ALLOWED_ORIGINS to allow it`))
        return
      }
      lastAllowedOrigin = origin
    }
    done()
  }

  /** False when the Host header is refused (the answer already sent). */
  function hostAllowed (request: FastifyRequest, reply: FastifyReply, host: string | undefined): boolean {
    const name = hostname(host)
    if (name === undefined && host !== undefined) {
      // Several values, a list or junk: no single name to check, whatever the allow-list says.
      request.log.warn({ host: clip(host) }, 'request refused: malformed Host header')
      sendError(reply, hostMalformed())
      return false
    }
    if (!anyHost && (name === undefined || !hosts.has(name))) {
      request.log.warn({ host: clip(host) }, 'request refused: Host not allowed (DNS rebinding protection)')
      sendError(reply, forbidden(`Host '${clip(host, 100) ?? ''}' is not allowed; set MCP_ALLOWED_HOSTS to serve other names`))
      return false
    }
    return true
  }
}
