/**
 * Streamable HTTP, both eras, on one path: `POST` carries every message;
 * `GET` (legacy) opens a session's notification stream or resumes a broken
 * one; `DELETE` (legacy) ends a session. A thin adapter: it checks what only
 * HTTP has (headers, sessions by id, streams) and hands the message to the
 * protocol core.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { WebsocketHandler } from '@fastify/websocket'
import type { ServerResponse } from 'node:http'
import type { Principal } from '../../registry/types.ts'
import type { JsonRpcMessage } from '../../protocol/jsonrpc.ts'
import { ErrorCode, failure } from '../../protocol/jsonrpc.ts'
import type { ProtocolCore } from '../../protocol/dispatcher.ts'
import type { Session } from '../../protocol/sessions.ts'
import { isModernVersion, LEGACY_VERSIONS } from '../../protocol/versions.ts'
import type { EventStore } from '../../state/event-store.ts'
import { checkModernHeaders } from './headers.ts'
import { HttpExchange, type StreamSettings } from './exchange.ts'
import { SSE_HEADERS, SseStream, sseFrame } from './sse.ts'

export interface HttpTransportOptions {
  core: ProtocolCore
  path: string
  bodyLimit: number
  /** Interval of SSE keep-alive comments; 0 disables them. */
  keepAliveMs: number
  /** The `retry:` hint sent with a legacy stream's priming event. */
  sseRetryMs: number
  eventStore: EventStore
  /** The authenticated caller of a request, when authentication is on. */
  principalOf: (request: FastifyRequest) => Principal | undefined
  /** Serves WebSocket upgrades of `GET path` (the WebSocket transport); plain GETs stay HTTP. */
  websocket?: WebsocketHandler
}

/** No Accept header means anything; `*\/*` and `type/*` count. */
function acceptsJson (header: string | undefined): boolean {
  return header === undefined || header === '' || header.includes('application/json') || header.includes('*/*') || header.includes('application/*')
}

function acceptsSse (header: string | undefined): boolean {
  return header === undefined || header === '' || header.includes('text/event-stream') || header.includes('*/*') || header.includes('text/*')
}

function single (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

export const httpTransport: FastifyPluginAsync<HttpTransportOptions> = async (app, options) => {
  const { core, eventStore } = options
  /** Legacy SSE streams whose request is still running, for resumption by `Last-Event-ID`. */
  const liveStreams = new Map<string, SseStream>()
  let streamCounter = 0
  const streams: StreamSettings = {
    keepAliveMs: options.keepAliveMs,
    sseRetryMs: options.sseRetryMs,
    eventStore,
    liveStreams,
    nextStreamId: () => ++streamCounter
  }

  // Only JSON bodies: anything else is answered 415 by Fastify (mapped to JSON-RPC below).
  app.removeContentTypeParser('text/plain')
  app.setErrorHandler((error: Error & { code?: string, statusCode?: number }, request, reply) => {
    const answer = (status: number, code: number, message: string) => reply.code(status).send(failure(null, code, message))
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return answer(413, ErrorCode.InvalidRequest, `Request body too large: the limit is ${options.bodyLimit} bytes`)
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return answer(415, ErrorCode.InvalidRequest, `Unsupported Content-Type '${request.headers['content-type'] ?? '(none)'}': send application/json`)
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return answer(400, ErrorCode.ParseError, 'Parse error: the body is empty; send one JSON-RPC message')
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        // Fastify gives the same error for a syntax error and for a "__proto__" key (prototype poisoning).
        return answer(400, ErrorCode.ParseError, 'Parse error: the body is not valid JSON, or it holds a forbidden "__proto__" or "constructor.prototype" key')
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      return answer(400, ErrorCode.ParseError, `Parse error: ${error.message}`)
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return answer(error.statusCode, ErrorCode.InvalidRequest, error.message)
    }
    request.log.error({ err: error }, 'MCP HTTP request failed')
    return answer(500, ErrorCode.InternalError, 'Internal error; it has been logged')
  })

  /** A legacy session named by the Mcp-Session-Id header, or the reply already sent (400/404). */
  async function sessionOf (request: FastifyRequest, reply: FastifyReply): Promise<Session | undefined> {
    const id = single(request.headers['mcp-session-id'])
    if (id === undefined) {
      reply.code(400).send(failure(null, ErrorCode.InvalidRequest,
        'Bad Request: the Mcp-Session-Id header is required. Send "initialize" first (protocol 2025-11-25 and earlier), ' +
        'or send 2026-07-28 requests with the protocol version in _meta'))
      return undefined
    }
    const session = await core.sessions.get(id)
    if (session === undefined || session.data.principalId !== options.principalOf(request)?.id) {
      reply.code(404).send(failure(null, ErrorCode.InvalidRequest, 'Session not found: it expired or was deleted. Send "initialize" to start a new session'))
      return undefined
    }
    return session
  }

  app.post(options.path, { bodyLimit: options.bodyLimit }, async (request, reply) => {
    const inbound = core.read(request.body)
    if ('status' in inbound) return reply.code(inbound.status).send(inbound.response)
    const isRequest = inbound.kind === 'request'
    const accept = request.headers.accept
    if (isRequest && !(acceptsJson(accept) && acceptsSse(accept))) {
      return reply.code(406).send(failure(inbound.id ?? null, ErrorCode.InvalidRequest,
        'Not Acceptable: the Accept header must list both application/json and text/event-stream'))
    }

    let session: Session | undefined
    const versionHeader = single(request.headers['mcp-protocol-version'])
    if (inbound.era === 'modern') {
      const mismatch = checkModernHeaders(request.headers, inbound, core.registry)
      if (mismatch !== undefined) return reply.code(400).send(failure(inbound.id ?? null, mismatch.code, mismatch.message))
    } else if (inbound.method === 'initialize') {
      if (versionHeader !== undefined && isModernVersion(versionHeader)) {
        return reply.code(400).send(failure(inbound.id ?? null, ErrorCode.HeaderMismatch,
          `Header mismatch: initialize (protocol 2025-11-25 and earlier) was sent with MCP-Protocol-Version '${versionHeader}'`))
      }
    } else {
      if (versionHeader !== undefined && isModernVersion(versionHeader)) {
        return reply.code(400).send(failure(inbound.id ?? null, ErrorCode.InvalidParams,
          `Invalid params: the MCP-Protocol-Version header names ${versionHeader}, but the request's _meta lacks "io.modelcontextprotocol/protocolVersion" and "io.modelcontextprotocol/clientCapabilities"`))
      }
      if (versionHeader !== undefined && !LEGACY_VERSIONS.includes(versionHeader)) {
        return reply.code(400).send(failure(inbound.id ?? null, ErrorCode.InvalidRequest,
          `Bad Request: unsupported MCP-Protocol-Version '${versionHeader}' (supported: ${LEGACY_VERSIONS.join(', ')} after initialize, or 2026-07-28)`))
      }
      session = await sessionOf(request, reply)
      if (session === undefined) return reply
    }

    const exchange = new HttpExchange(reply, session, options.principalOf(request), request.log, streams)
    if (!isRequest) {
      await core.dispatch(inbound, exchange)
      return reply.code(202).send()
    }
    exchange.watch()
    const outcome = await core.dispatch(inbound, exchange)
    const stream = exchange.stream
    if (stream !== undefined) {
      if (outcome.response !== undefined) stream.finish(outcome.response)
      else stream.end()
      exchange.release()
      return
    }
    exchange.release()
    if (reply.raw.destroyed) return
    if (exchange.session !== undefined && inbound.method === 'initialize') reply.header('mcp-session-id', exchange.session.id)
    if (outcome.response === undefined) return reply.code(204).send()
    return reply.code(outcome.status).send(outcome.response)
  })

  app.route({ method: 'GET', url: options.path, wsHandler: options.websocket, handler: async (request, reply) => {
    if (request.headers['mcp-session-id'] === undefined) {
      return reply.code(405).header('allow', 'POST').send(failure(null, ErrorCode.InvalidRequest,
        'Method Not Allowed: GET opens the notification stream of a 2025-era session (send Mcp-Session-Id); ' +
        '2026-07-28 clients POST subscriptions/listen instead'))
    }
    if (!acceptsSse(request.headers.accept)) {
      return reply.code(406).send(failure(null, ErrorCode.InvalidRequest, 'Not Acceptable: the Accept header must list text/event-stream'))
    }
    const session = await sessionOf(request, reply)
    if (session === undefined) return reply

    const lastEventId = single(request.headers['last-event-id'])
    if (lastEventId !== undefined) {
      const found = await eventStore.after(lastEventId)
      if (found !== undefined && found.streamId.startsWith(`${session.id}_`)) {
        reply.hijack()
        resume(reply.raw, session, found.streamId, found.events)
        return
      }
    }
    if (session.channel !== undefined) {
      return reply.code(409).send(failure(null, ErrorCode.InvalidRequest, 'Conflict: this session already has an open GET stream'))
    }
    reply.hijack()
    const stream = new SseStream(reply.raw, { headers: { 'mcp-session-id': session.id }, keepAliveMs: options.keepAliveMs })
    const send = (message: JsonRpcMessage) => stream.write(message)
    session.channel = send
    const close = () => stream.end()
    session.closers.add(close)
    reply.raw.on('close', () => {
      if (session.channel === send) session.channel = undefined
      session.closers.delete(close)
      stream.end()
    })
  } })

  /** Replays what a client missed on a broken stream, then continues it live if its request still runs. */
  function resume (raw: ServerResponse, session: Session, streamId: string, events: Array<{ id: string, message: unknown }>) {
    const live = liveStreams.get(streamId)
    if (live !== undefined) {
      live.attach(raw, events)
      return
    }
    // The request already finished: the replay holds everything, including its response.
    raw.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': session.id })
    for (const event of events) raw.write(sseFrame(event.id, event.message))
    raw.end()
  }

  app.delete(options.path, async (request, reply) => {
    if (request.headers['mcp-session-id'] === undefined) {
      return reply.code(405).header('allow', 'POST').send(failure(null, ErrorCode.InvalidRequest,
        'Method Not Allowed: DELETE ends a 2025-era session (send Mcp-Session-Id); 2026-07-28 has no sessions'))
    }
    const session = await sessionOf(request, reply)
    if (session === undefined) return reply
    await core.sessions.delete(session.id)
    request.log.info({ sessionId: session.id }, 'session deleted by the client')
    return reply.code(200).send()
  })
}
