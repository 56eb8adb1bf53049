/**
 * Errors of the upstream HTTP client. They carry facts (status, reason,
 * timeout); `toUserMessage` turns them into a sentence a person can act on.
 * They do not depend on the host, so the client can be tested on its own; the
 * plugin converts them to `ToolError` at the tool boundary.
 */
import { STATUS_CODES } from 'node:http'

/** Base class: anything the upstream did (or failed to do). */
export class UpstreamError extends Error {
  override name = 'UpstreamError'
}

/** Our own deadline for the whole call (including a retry) passed. */
export class UpstreamTimeoutError extends UpstreamError {
  override name = 'UpstreamTimeoutError'
  readonly timeoutMs: number

  constructor (timeoutMs: number) {
    super(`timeout after ${formatDuration(timeoutMs)}`)
    this.timeoutMs = timeoutMs
  }
}

/** No HTTP response at all: connection refused/reset, DNS failure, socket closed. */
export class UpstreamUnreachableError extends UpstreamError {
  override name = 'UpstreamUnreachableError'
  /** The system or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly code: string | undefined
  constructor (cause: unknown) {
    const code = errorCode(cause)
    super(describeConnectionError(cause, code), { cause })
    this.code = code
  }
}

/** A non-2xx response; `reason` is Open-Meteo's `{"error":true,"reason":"..."}` text when present. */
export class UpstreamHttpError extends UpstreamError {
  override name = 'UpstreamHttpError'
  readonly statusCode: number
  readonly reason: string | undefined

  constructor (statusCode: number, reason: string | undefined) {
    const status = `HTTP ${statusCode}${STATUS_CODES[statusCode] !== undefined ? ` ${STATUS_CODES[statusCode]}` : ''}`
    super(reason !== undefined ? `${status}: ${reason}` : status)
    this.statusCode = statusCode
    this.reason = reason
  }
}

/** A 2xx response we could not use: not JSON, too large, or missing fields. */
export class UpstreamResponseError extends UpstreamError {
  override name = 'UpstreamResponseError'
}

/** The client was closed (server shutting down). */
export class ClientClosedError extends Error {
  override name = 'ClientClosedError'
  constructor () {
    super('HTTP client is closed')
  }
}

/**
 * The sentence shown to the caller. `service` names the upstream in words
 * ("weather service", "geocoding service") so the caller knows which one failed.
 */
export function toUserMessage (err: unknown, service: string): string | undefined {
  if (err instanceof UpstreamTimeoutError || err instanceof UpstreamUnreachableError) {
    return `${service} unreachable (${err.message})`
  }
  if (err instanceof UpstreamHttpError || err instanceof UpstreamResponseError) {
    return `${service} error: ${err.message}`
  }
  if (err instanceof ClientClosedError) return `${service} unavailable: the server is shutting down`
  return undefined
}

/** `5000` → `5 s`, `1500` → `1.5 s`, `50` → `50 ms`. */
export function formatDuration (ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${ms} ms`
}

function errorCode (err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code
  return undefined
}

function describeConnectionError (err: unknown, code: string | undefined): string {
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused'
    case 'ECONNRESET': return 'connection reset'
    case 'ENOTFOUND': return 'host not found'
    case 'EAI_AGAIN': return 'DNS lookup failed'
    case 'UND_ERR_SOCKET': return 'connection closed before a response'
    case 'UND_ERR_CONNECT_TIMEOUT': return 'connect timeout'
    default: return err instanceof Error ? err.message : String(err)
  }
}
