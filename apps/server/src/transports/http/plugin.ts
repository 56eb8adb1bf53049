/**
 * Streamable HTTP, both eras, on one path: `POST` carries every message;
 * `GET` (legacy) opens a session's notification stream or resumes a broken
 * one; `DELETE` (legacy) ends a session. A thin adapter: it checks what only
 * HTTP has (headers, sessions by id, streams) and hands the message to the
 * protocol core.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { WebsocketHandler } from '@fastify/websocket'
import type { ServerResponse } from 'node:http'
import type { Principal } from '../../registry/types.ts'
import type { ProtocolCore } from '../../protocol/dispatcher.ts'
import {
  bodyTooLarge, forbiddenKey, headerMismatch, httpClientError, methodNotAllowed, notAcceptable, parseError, ProtocolError, sessionIdRequired,
  sessionNotFound, streamConflict, transportFailed, unsupportedMediaType, upgradeRequired, unsupportedVersionHeader, versionHeaderWithoutEnvelope
} from '../../protocol/errors.ts'
import { failureFrom, type JsonRpcMessage, type RequestId } from '../../protocol/jsonrpc.ts'
import { RateLimitedWarning, sessionRef } from '../../protocol/log-values.ts'
import type { Session } from '../../protocol/sessions.ts'
import { isModernVersion, LEGACY_VERSIONS, META, MODERN_VERSIONS } from '../../protocol/versions.ts'
import type { EventStore } from '../../state/event-store.ts'
import { clientKeyOf } from '../client-key.ts'
import type { StreamQuota } from '../stream-quota.ts'
import { parseJsonMessage, requestIdOf } from '../json-message.ts'
import { checkModernHeaders } from './headers.ts'
import { HttpExchange, type StreamSettings } from './exchange.ts'
import { followStream } from './follow.ts'
import { SseStream, type FlowLimits } from './sse.ts'
import { errorHeaders, statusOf } from './status.ts'
import { cutAtExpiry } from './stream-expiry.ts'

export interface HttpTransportOptions {
  core: ProtocolCore
  path: string
  /** Serve Streamable HTTP; when false the path only takes WebSocket upgrades. */
  http: boolean
  bodyLimit: number
  /** Interval of SSE keep-alive comments; 0 disables them. */
  keepAliveMs: number
  /** How long a resumed stream whose request runs on another instance is followed. */
  resumeFollowMs: number
  /** Bytes a client may leave unread on a stream before it is cut off. */
  maxUnsentBytes: number
  /** How long a response's writes may stall before the connection is cut off. */
  writeTimeoutMs: number
  /** Counts long-lived streams per client and in total (shared with the WebSocket transport). */
  streamQuota: StreamQuota
  /** The `retry:` hint sent with a legacy stream's priming event. */
  sseRetryMs: number
  eventStore: EventStore
  /** The authenticated caller of a request, when authentication is on. */
  principalOf: (request: FastifyRequest) => Principal | undefined
  /** The `WWW-Authenticate` value of a 403 for missing scopes, when authentication is on. */
  scopeChallenge?: (scopes: readonly string[]) => string
  /**
   * Serves WebSocket upgrades of `GET path` (the WebSocket transport); plain GETs stay HTTP. Its plugin
   * (@fastify/websocket) is registered around the GET route alone: its onRequest and onResponse hooks
   * apply to every route of the context they are in, and a POST has no use for them (an onResponse
   * hook is a step of every answer).
   */
  websocket?: { plugin: FastifyPluginAsync, handler: WebsocketHandler }
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

/** Cuts the connection off if the response has not been written out within the write timeout. */
function watchWrite (raw: ServerResponse, flow: FlowLimits): void {
  const timer = setTimeout(() => {
    if (raw.writableFinished || raw.destroyed) return
    flow.onCutOff(`a response not read within ${flow.writeTimeoutMs} ms`)
    raw.destroy()
  }, flow.writeTimeoutMs)
  timer.unref()
  raw.once('finish', () => { clearTimeout(timer) })
  raw.once('close', () => { clearTimeout(timer) })
}

export const httpTransport: FastifyPluginAsync<HttpTransportOptions> = async (app, options) => {
  const { core, eventStore } = options
  /** Requests whose body held a forbidden key (dropped by the parser), refused before dispatch. */
  const forbiddenKeys = new WeakMap<FastifyRequest, string>()
  /** Legacy SSE streams whose request is still running, for resumption by `Last-Event-ID`. */
  const liveStreams = new Map<string, SseStream>()
  let streamCounter = 0
  const instanceTag = randomBytes(4).toString('hex')
  const cutOffs = new RateLimitedWarning()
  const flow: FlowLimits = {
    maxUnsentBytes: options.maxUnsentBytes,
    writeTimeoutMs: options.writeTimeoutMs,
    onCutOff: (reason) => { cutOffs.warn(app.log, { reason }, 'HTTP connection cut off: the client does not read what it is sent') }
  }
  const streams: StreamSettings = {
    keepAliveMs: options.keepAliveMs,
    flow,
    sseRetryMs: options.sseRetryMs,
    eventStore,
    liveStreams,
    // Unique across instances sharing one event store: this instance's tag, then a counter.
    nextStreamId: () => `${instanceTag}${(++streamCounter).toString(36)}`
  }

  // Only JSON bodies: anything else is answered 415 by Fastify (mapped to JSON-RPC below).
  app.removeContentTypeParser('text/plain')
  // Our own JSON parser: a "__proto__" key is valid JSON, refused as invalid params (not -32700) by
  // the POST handler; and only a POST has a body that matters (a DELETE's body and type are ignored).
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (request.method !== 'POST') return done(null, undefined)
    if (body === '') return done(Object.assign(new SyntaxError('the body is empty; send one JSON-RPC message'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY' }))
    let parsed
    try {
      parsed = parseJsonMessage(body as string)
    } catch (error) {
      return done(new SyntaxError(`the body is not valid JSON (${(error as Error).message})`))
    }
    if (parsed.forbiddenKey !== undefined) forbiddenKeys.set(request, parsed.forbiddenKey)
    done(null, parsed.value)
  })
  app.setErrorHandler((error: Error & { code?: string, statusCode?: number }, request, reply) => {
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return refuse(reply, bodyTooLarge(options.bodyLimit))
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return refuse(reply, unsupportedMediaType(request.headers['content-type'] ?? '(none)'))
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return refuse(reply, parseError('the body is empty; send one JSON-RPC message'))
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      return refuse(reply, parseError(error.message))
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return refuse(reply, httpClientError(error.statusCode, error.message))
    }
    // Already a wire error (the shared state unreachable, say): it says what to do.
    if (error instanceof ProtocolError) return refuse(reply, error)
    request.log.error({ err: error }, 'MCP HTTP request failed')
    return refuse(reply, transportFailed())
  })

  /** `GET path` in a context of its own, with the WebSocket plugin when WebSocket is served. */
  async function getRoute (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>): Promise<void> {
    await app.register(async function mcpGet (scope) {
      if (options.websocket !== undefined) await scope.register(options.websocket.plugin)
      scope.route({ method: 'GET', url: options.path, wsHandler: options.websocket?.handler, handler })
    })
  }

  if (!options.http) {
    // WebSocket only: the path answers plain HTTP with a pointer to the upgrade.
    await getRoute(async (_request, reply) => refuse(reply.header('upgrade', 'websocket'), upgradeRequired()))
    return
  }

  /** A legacy session named by the Mcp-Session-Id header, or the reply already sent (400/404). */
  async function sessionOf (request: FastifyRequest, reply: FastifyReply): Promise<Session | undefined> {
    const id = single(request.headers['mcp-session-id'])
    if (id === undefined) {
      refuse(reply, sessionIdRequired())
      return undefined
    }
    const session = await core.sessions.get(id)
    if (session === undefined || session.data.principalId !== options.principalOf(request)?.id) {
      refuse(reply, sessionNotFound())
      return undefined
    }
    return session
  }

  app.post(options.path, { bodyLimit: options.bodyLimit }, async (request, reply) => {
    const key = forbiddenKeys.get(request)
    if (key !== undefined) return refuse(reply, forbiddenKey(key), requestIdOf(request.body))
    const inbound = core.read(request.body)
    if ('response' in inbound) return answer(reply, statusOf(inbound), inbound.response)
    const isRequest = inbound.kind === 'request'
    // Only a request's id goes in an error: a client's response (to no request of this server) gets null.
    const id = isRequest ? inbound.id as RequestId : null
    const accept = request.headers.accept
    if (isRequest && !(acceptsJson(accept) && acceptsSse(accept))) {
      return refuse(reply, notAcceptable('both application/json and text/event-stream'), id)
    }

    let session: Session | undefined
    const versionHeader = single(request.headers['mcp-protocol-version'])
    if (inbound.era === 'modern') {
      const mismatch = checkModernHeaders(request.headers, inbound, core.registry)
      if (mismatch !== undefined) return refuse(reply, mismatch, id)
    } else if (inbound.method === 'initialize') {
      if (versionHeader !== undefined && isModernVersion(versionHeader)) {
        return refuse(reply, headerMismatch(`initialize (protocol 2025-11-25 and earlier) was sent with MCP-Protocol-Version '${versionHeader}'`), id)
      }
    } else {
      if (versionHeader !== undefined && isModernVersion(versionHeader) && inbound.claimedVersion !== undefined) {
        // The body claims a legacy revision in _meta, the header a modern one: they disagree.
        return refuse(reply, headerMismatch(`MCP-Protocol-Version header value '${versionHeader}' does not match body value '${String(inbound.claimedVersion)}'`), id)
      }
      if (versionHeader !== undefined && isModernVersion(versionHeader)) {
        return refuse(reply, versionHeaderWithoutEnvelope(versionHeader, META.protocolVersion, META.clientCapabilities), id)
      }
      if (versionHeader !== undefined && !LEGACY_VERSIONS.includes(versionHeader)) {
        return refuse(reply, unsupportedVersionHeader(versionHeader, LEGACY_VERSIONS, MODERN_VERSIONS), id)
      }
      session = await sessionOf(request, reply)
      if (session === undefined) return reply
    }

    const exchange = new HttpExchange(reply, session, options.principalOf(request), request.log, streams)
    if (!isRequest) {
      await core.dispatch(inbound, exchange)
      return answer(reply, 202)
    }
    // A listen stream stays open as long as the client likes: it counts against the stream quota.
    let releaseStream: (() => void) | undefined
    if (inbound.method === 'subscriptions/listen') {
      const acquired = options.streamQuota.acquire(exchange.clientKey, 'subscriptions/listen')
      if (typeof acquired !== 'function') return refuse(reply, acquired, inbound.id)
      releaseStream = acquired
      reply.raw.once('close', releaseStream)
      cutAtExpiry(reply.raw, exchange.principal, request.log)
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
    if (outcome.response === undefined) return answer(reply, 204)
    return answer(errorHeaders(reply, outcome.error, options.scopeChallenge), statusOf(outcome), outcome.response)
  })

  /**
   * A JSON answer of the endpoint (done here, not in an onSend hook: a hook is a step of every reply).
   * One finished during shutdown closes its connection, so the server can close without waiting for
   * keep-alive; one the kernel did not take at once is watched, and cut off with its memory if the
   * client does not read it within the write timeout.
   */
  function answer (reply: FastifyReply, status: number, body?: unknown): FastifyReply {
    if (core.closing) reply.header('connection', 'close')
    reply.code(status).send(body)
    if (reply.raw.writableLength > 0) watchWrite(reply.raw, flow)
    return reply
  }

  /** A refusal (a wire error) of the endpoint, answered like any other answer: its status, its headers, a JSON-RPC error. */
  function refuse (reply: FastifyReply, error: ProtocolError, id: RequestId | null = null): FastifyReply {
    return answer(errorHeaders(reply, error), error.httpStatus, failureFrom(id, error))
  }

  await getRoute(async (request, reply) => {
    if (request.headers['mcp-session-id'] === undefined) {
      return refuse(reply.header('allow', 'POST'), methodNotAllowed('GET opens the notification stream of a 2025-era session (send Mcp-Session-Id); ' +
      '2026-07-28 clients POST subscriptions/listen instead'))
    }
    if (!acceptsSse(request.headers.accept)) {
      return refuse(reply, notAcceptable('text/event-stream'))
    }
    const session = await sessionOf(request, reply)
    if (session === undefined) return reply

    const lastEventId = single(request.headers['last-event-id'])
    if (lastEventId !== undefined) {
      const found = await eventStore.after(lastEventId)
      if (found !== undefined && found.streamId.startsWith(`${session.id}_`)) {
        reply.hijack()
        resume(reply.raw, session, lastEventId, found.streamId, found.events)
        return
      }
    }
    if (session.channel !== undefined) {
      return refuse(reply, streamConflict())
    }
    const releaseStream = options.streamQuota.acquire(clientKeyOf(options.principalOf(request), request.ip), 'GET stream')
    if (typeof releaseStream !== 'function') return refuse(reply, releaseStream)
    reply.raw.once('close', releaseStream)
    cutAtExpiry(reply.raw, options.principalOf(request), request.log)
    reply.hijack()
    const stream = new SseStream(reply.raw, { headers: { 'mcp-session-id': session.id }, keepAliveMs: options.keepAliveMs, flow })
    const send = (message: JsonRpcMessage) => stream.write(message)
    session.channel = send
    const close = () => stream.end()
    session.closers.add(close)
    // A client that only listens keeps its session: the stream holds it open until it closes.
    void core.sessions.hold(session, true)
    reply.raw.on('close', () => {
      if (session.channel === send) {
        session.channel = undefined
        void core.sessions.hold(session, false)
      }
      session.closers.delete(close)
      stream.end()
    })
  })

  /** Replays what a client missed on a broken stream, then continues it live if its request still runs. */
  function resume (raw: ServerResponse, session: Session, lastEventId: string, streamId: string, events: Array<{ id: string, message: unknown }>) {
    const live = liveStreams.get(streamId)
    if (live !== undefined) {
      live.attach(raw, events)
      return
    }
    // Not running here: finished (the replay holds its response), or running on another instance.
    followStream(raw, lastEventId, events, {
      store: eventStore,
      headers: { 'mcp-session-id': session.id },
      pollMs: 250,
      followMs: options.resumeFollowMs,
      keepAliveMs: options.keepAliveMs
    })
  }

  // Other methods on the endpoint: 405 with Allow and a JSON-RPC body, like every other refusal here.
  app.route({
    method: ['PUT', 'PATCH'],
    url: options.path,
    handler: async (request, reply) => refuse(reply.header('allow', 'GET, POST, DELETE'),
      methodNotAllowed(`${request.method} is not a method of the MCP endpoint: POST carries every message (GET and DELETE serve 2025-era sessions)`))
  })

  app.delete(options.path, async (request, reply) => {
    if (request.headers['mcp-session-id'] === undefined) {
      return refuse(reply.header('allow', 'POST'), methodNotAllowed('DELETE ends a 2025-era session (send Mcp-Session-Id); 2026-07-28 has no sessions'))
    }
    const session = await sessionOf(request, reply)
    if (session === undefined) return reply
    await core.sessions.delete(session.id)
    request.log.info({ session: sessionRef(session.id) }, 'session deleted by the client')
    return answer(reply, 200)
  })
}
