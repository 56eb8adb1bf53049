/**
 * How the core's outcomes and wire errors become HTTP responses: the one
 * place that knows HTTP statuses of the protocol (the core only gives each
 * error its typed `httpStatus`).
 */
import type { FastifyReply } from 'fastify'
import type { Outcome } from '../../protocol/dispatcher.ts'
import { InsufficientScope, type ProtocolError } from '../../protocol/errors.ts'
import { failureFrom, type RequestId } from '../../protocol/jsonrpc.ts'

/** The status of a request's outcome: its error's, 200 for a result, 204 when nothing is sent back. */
export function statusOf (outcome: Outcome): number {
  if (outcome.error !== undefined) return outcome.error.httpStatus
  return outcome.response === undefined ? 204 : 200
}

/** Headers an error brings: `Retry-After` (seconds) on refusals that pass; the scope challenge on a 403 for missing scopes. */
export function errorHeaders (reply: FastifyReply, error: ProtocolError | undefined, scopeChallenge?: (scopes: readonly string[]) => string): FastifyReply {
  if (error?.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))))
  if (error instanceof InsufficientScope && scopeChallenge !== undefined) reply.header('www-authenticate', scopeChallenge(error.scopes))
  return reply
}

/** Answers with a wire error: its status, its headers and a JSON-RPC error response. */
export function sendError (reply: FastifyReply, error: ProtocolError, id: RequestId | null = null): FastifyReply {
  return errorHeaders(reply, error).code(error.httpStatus).send(failureFrom(id, error))
}
