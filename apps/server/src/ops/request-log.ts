/**
 * One log line per MCP request at `debug`: method, tool, era, transport,
 * status and duration, e.g.
 *   DEBUG: tools/call calculate: ok in 0.4 ms  {era: "modern", transport: "http", ...}
 * It is a RequestObserver of the protocol core (like metrics and traces), and
 * the platform adds it only when the logger is at `debug` or below when it
 * starts: at `info` nothing is added to the request path at all.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { FinishedRequest, RequestObserver } from '../protocol/context.ts'
import { clip } from '../protocol/log-values.ts'

/** Method and tool names come from the client: cut short in the log. */
const MAX_NAME_CHARS = 100

export class RequestLog implements RequestObserver {
  readonly #log: FastifyBaseLogger

  constructor (log: FastifyBaseLogger) {
    this.#log = log
  }

  requestEnded (request: FinishedRequest): void {
    const method = clip(request.method, MAX_NAME_CHARS)
    const tool = clip(request.tool, MAX_NAME_CHARS)
    const durationMs = Math.round(request.durationMs * 10) / 10
    const status = request.outcome === 'error' ? `error ${request.errorCode ?? ''}`.trim() : request.outcome
    this.#log.debug({
      method,
      tool,
      era: request.era,
      transport: request.transport,
      status: request.outcome,
      errorCode: request.errorCode,
      durationMs
    }, `${method}${tool !== undefined ? ` ${tool}` : ''}: ${status} in ${durationMs} ms`)
  }
}
