/**
 * Answers HTTP requests Node could not parse (headers too large, a malformed
 * request line, a header timeout) before Fastify routes them: a JSON-RPC
 * error a client can read, and `Connection: close`, since the socket is
 * closed right after. Fastify's `clientErrorHandler` option takes it.
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { httpClientError } from '../../protocol/errors.ts'
import { failureFrom } from '../../protocol/jsonrpc.ts'

const ANSWERS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large: the request\'s headers exceed the server\'s limit'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout: the request did not arrive in time']
}

export function clientErrorHandler (this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, message] = (error.code !== undefined && Object.hasOwn(ANSWERS, error.code))
    ? ANSWERS[error.code]
    : [400, 'Bad Request: the HTTP request could not be parsed']
  this.log.debug({ code: error.code }, 'HTTP client error')
  if (socket.writable) {
    const body = JSON.stringify(failureFrom(null, httpClientError(status, message)))
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }
  socket.destroy()
}
