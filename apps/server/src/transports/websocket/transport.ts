/**
 * The WebSocket transport: `ws://HOST:PORT/mcp`, the same path as Streamable
 * HTTP. A thin adapter onto the protocol core: one JSON-RPC message per text
 * frame in, one per text frame out. It adds only what a long-lived socket
 * needs: a per-connection legacy session, many requests in flight (answered
 * as they finish) under a cap, heartbeat, idle timeout, backpressure and a
 * graceful close at shutdown. See docs/websocket.md for the binding.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Socket } from 'node:net'
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import fastifyWebsocket, { type WebSocket } from '@fastify/websocket'
import fp from 'fastify-plugin'
import type { TransportContext } from '../../protocol/call.ts'
import type { Outcome, ProtocolCore } from '../../protocol/dispatcher.ts'
import { binaryFrame, forbiddenKey, parseError, requestFlood, shuttingDown, tokenExpired, type ProtocolError } from '../../protocol/errors.ts'
import type { Inbound } from '../../protocol/inbound.ts'
import { failureFrom, type JsonRpcMessage, type RequestId } from '../../protocol/jsonrpc.ts'
import { parseJsonMessage, requestIdOf, type ParsedMessage } from '../json-message.ts'
import type { InFlightCall, Session } from '../../protocol/sessions.ts'
import { clientKeyOf } from '../client-key.ts'
import type { StreamQuota } from '../stream-quota.ts'
import type { Principal } from '../../registry/types.ts'

/** The subprotocol the official SDK client offers (`WebSocketClientTransport`). */
export const SUBPROTOCOL = 'mcp'

/** Close codes this transport uses (RFC 6455 §7.4.1). */
export const CloseCode = {
  /** Idle timeout. */
  Normal: 1000,
  /** Server shutdown. */
  GoingAway: 1001,
  /** Text frame that is not valid UTF-8 (sent by `ws` itself). */
  InvalidPayload: 1007,
  /** Slow reader: the client does not read what the server sends. */
  PolicyViolation: 1008,
  /** A message over the size limit (sent by `ws` itself). */
  MessageTooBig: 1009,
  /** The transport failed unexpectedly. */
  InternalError: 1011,
  /** The stream quota is full (per client or in total): retry later. */
  TryAgainLater: 1013
} as const

export interface WebSocketTransportOptions {
  core: ProtocolCore
  /** Largest accepted message (frame payload), in bytes; larger ones close the socket with 1009. */
  maxMessageBytes: number
  /** Requests one connection may have in flight; at the cap the server stops reading until answers go out. */
  maxInFlight: number
  /** Bytes of requests read past the in-flight cap that may wait; beyond them a request is refused (a flood). */
  maxBacklogBytes: number
  /** Interval of server pings; a connection that has not answered the previous ping is closed. 0: off. */
  pingIntervalMs: number
  /** A connection with no message from the client and nothing in flight this long is closed (1000). 0: off. */
  idleTimeoutMs: number
  /**
   * Outbound bytes held for one connection: above this the server stops
   * reading from it; when this much more piles up while it is paused, the
   * connection is closed (1008).
   */
  maxBufferedBytes: number
  /** The authenticated caller of an upgrade request, when authentication is on. */
  principalOf: (request: FastifyRequest) => Principal | undefined
  /** Counts a request message against its caller's rate limit (given the upgrade request): an error to answer with when over it. */
  admitMessage?: (request: FastifyRequest) => Promise<ProtocolError | undefined>
  /** Each connection is a long-lived stream: counted per client and in total (shared with HTTP streams). */
  streamQuota: StreamQuota
}

export type WebSocketHandler = (this: FastifyInstance, socket: WebSocket, request: FastifyRequest) => void

export interface WebSocketTransport {
  /**
   * Registers `@fastify/websocket` in the scope it is registered in (the
   * transports scope, behind the Origin/Host check), with this transport's
   * `ws` options and shutdown hook. Register it before the HTTP transport.
   */
  readonly plugin: FastifyPluginAsync
  /** The `wsHandler` of the MCP `GET` route: an upgrade there becomes a connection. */
  readonly handler: WebSocketHandler
  /** Open connections (observability and tests). */
  readonly connections: ReadonlySet<Connection>
  /** Shutdown began: new connections and requests are refused (calls in flight go on). */
  stopAccepting (): void
  /**
   * Shutdown, once the calls drained: every socket gets a close frame (1001),
   * and those that do not answer it in time are cut off.
   */
  closeAll (): Promise<void>
}

const OPEN = 1
const CLOSED = 3
/** At shutdown, how long clients have to answer the close frame. */
const CLOSE_WAIT_MS = 2000
/** After a close frame, how long the peer has to answer before the socket is destroyed. */
const CLOSE_GRACE_MS = 5000

const BINARY_FRAME = JSON.stringify(failureFrom(null, binaryFrame()))

/** One WebSocket connection: its legacy session (after `initialize`), its calls in flight, its flow control. */
export class Connection {
  /** The legacy session, once the client sent `initialize` on this connection. */
  session: Session | undefined
  /** Calls in flight, by request id (the core registers them; `notifications/cancelled` looks them up). */
  readonly inFlight = new Map<RequestId, InFlightCall>()
  /** Requests handed to the core and not answered yet (counts those the core refuses before registering). */
  active = 0
  /** When the client last sent a message or a request of it finished (idle timeout). */
  lastActiveAt = Date.now()
  /** A pong (or the connection's opening) since the last ping. */
  alive = true
  /** Reading is paused because the client does not keep up with what it is sent. */
  paused = false
  /** `bufferedAmount` when reading was paused. */
  #pausedAt = 0
  /** Reading is paused because the connection is at its in-flight cap. */
  #heldBack = false
  /** Requests read while at the cap, served in order as slots free. */
  readonly #backlog: Array<{ inbound: Inbound, bytes: number }> = []
  #backlogBytes = 0
  #closed = false
  #corked = false
  #idleTimer: NodeJS.Timeout | undefined
  /** Set when the connection's credential expired: close with this once what is in flight is answered. */
  #closeWhenIdle: { code: number, reason: string } | undefined
  #expiryTimer: NodeJS.Timeout | undefined
  /** The caller's rate limit for each request message (set by the transport). */
  admit: (() => Promise<ProtocolError | undefined>) | undefined

  /** Writes one message on the socket; the `send` of every TransportContext of this connection. */
  readonly send = (message: JsonRpcMessage): void => { this.write(JSON.stringify(message)) }

  readonly socket: WebSocket
  readonly raw: Socket
  readonly principal: Principal | undefined
  /** The principal, else the client's address: what per-client quotas count against. */
  readonly clientKey: string
  readonly logger: FastifyBaseLogger
  readonly shared: Shared

  constructor (
    socket: WebSocket,
    raw: Socket,
    principal: Principal | undefined,
    logger: FastifyBaseLogger,
    shared: Shared
  ) {
    this.socket = socket
    this.raw = raw
    this.principal = principal
    this.clientKey = clientKeyOf(principal, raw.remoteAddress)
    this.logger = logger
    this.shared = shared
    socket.on('message', this.#onMessage)
    socket.on('pong', this.#onPong)
    socket.once('close', this.#onClose)
    if (shared.options.idleTimeoutMs > 0) {
      this.#idleTimer = setTimeout(this.#onIdleTimer, shared.options.idleTimeoutMs)
      this.#idleTimer.unref()
    }
  }

  get closed (): boolean {
    return this.#closed
  }

  /** Sends a serialized message, unless the connection is closing; applies backpressure. */
  write (text: string): void {
    const socket = this.socket
    if (this.#closed || socket.readyState !== OPEN) return
    const limit = this.shared.options.maxBufferedBytes
    if (this.paused && socket.bufferedAmount + Buffer.byteLength(text) > this.#pausedAt + limit) {
      this.logger.warn({ bufferedBytes: socket.bufferedAmount, limit }, 'WebSocket closed: the client does not read what it is sent')
      this.end(CloseCode.PolicyViolation, 'slow reader: too much unread data')
      return
    }
    if (!this.#corked) {
      // Answers finishing in the same tick (requests that arrived together) leave in one write.
      this.#corked = true
      this.raw.cork()
      process.nextTick(this.#uncork)
    }
    socket.send(text)
    if (!this.paused && socket.bufferedAmount > limit) this.#pause()
  }

  readonly #uncork = (): void => {
    this.#corked = false
    this.raw.uncork()
  }

  /** Stops reading requests until the socket's send buffer has drained. */
  #pause (): void {
    this.paused = true
    this.#pausedAt = this.socket.bufferedAmount
    this.socket.pause()
    this.raw.once('drain', this.#onDrain)
    this.logger.debug({ bufferedBytes: this.#pausedAt }, 'WebSocket reading paused: the client reads slowly')
  }

  readonly #onDrain = (): void => {
    if (this.#closed || !this.paused) return
    this.paused = false
    // Still at the in-flight cap: reading resumes when answers free slots.
    if (!this.#heldBack) this.socket.resume()
  }

  readonly #onMessage = (data: Buffer, isBinary: boolean): void => {
    if (this.#closed) return
    this.lastActiveAt = Date.now()
    if (isBinary) {
      this.write(BINARY_FRAME)
      return
    }
    let parsed: ParsedMessage
    try {
      parsed = parseJsonMessage(data.toString())
    } catch (error) {
      this.send(failureFrom(null, parseError(`the frame is not valid JSON (${(error as Error).message})`)))
      return
    }
    const message = parsed.value
    if (parsed.forbiddenKey !== undefined) {
      // Valid JSON: refused as invalid params naming the key, as on HTTP.
      this.send(failureFrom(requestIdOf(message), forbiddenKey(parsed.forbiddenKey)))
      return
    }
    const core = this.shared.options.core
    const inbound = core.read(message)
    if ('response' in inbound) {
      this.send(inbound.response!)
      return
    }
    if (inbound.kind !== 'request') {
      // A cancellation of a request still waiting in the backlog: it is dropped, never answered.
      if (inbound.method === 'notifications/cancelled' && this.#dropQueued(inbound.params.requestId)) return
      // Notifications (cancellation) and the client's answers to elicitation or sampling: nothing to send back.
      void core.dispatch(inbound, this.#context())
      return
    }
    const id = inbound.id as RequestId
    // The token expired: what is in flight is answered, then the connection closes (1008); nothing new starts.
    if (this.#closeWhenIdle !== undefined) {
      this.write(JSON.stringify(failureFrom(id, tokenExpired())))
      return
    }
    if (core.closing || this.shared.closing) {
      this.write(JSON.stringify(failureFrom(id, shuttingDown('send the request again on a new connection'))))
      return
    }
    if (this.active < this.shared.options.maxInFlight && this.#backlog.length === 0) {
      this.#serve(inbound)
      return
    }
    // At the in-flight cap: a client that pipelines is not misbehaving. Reading stops (TCP
    // backpressure reaches the client) and resumes as answers go out. Frames `ws` had already
    // read wait in a small backlog; only a flood beyond that backlog is refused.
    const backlogLimit = this.shared.options.maxBacklogBytes
    if (this.#backlogBytes + data.length > backlogLimit) {
      this.write(JSON.stringify(failureFrom(id, requestFlood(this.shared.options.maxInFlight, backlogLimit))))
      return
    }
    this.#backlog.push({ inbound, bytes: data.length })
    this.#backlogBytes += data.length
    if (!this.#heldBack) {
      this.#heldBack = true
      this.socket.pause()
    }
  }

  /** What the core sees of this connection for one message. */
  #context (): TransportContext {
    return {
      transport: 'websocket',
      session: this.session,
      principal: this.principal,
      clientKey: this.clientKey,
      logger: this.logger,
      send: this.send,
      inFlight: this.inFlight
    }
  }

  #serve (inbound: Inbound): void {
    const tc = this.#context()
    this.active++
    if (this.admit === undefined) {
      this.#dispatch(inbound, tc)
      return
    }
    // Checked in arrival order (the store answers in order), so pipelined requests keep theirs.
    this.admit().then((refused) => {
      if (refused === undefined && !this.#closed) return this.#dispatch(inbound, tc)
      if (refused !== undefined) this.send(failureFrom(inbound.id as RequestId, refused))
      if (--this.active === 0) this.#onIdle()
      if (this.#backlog.length > 0 || this.#heldBack) this.#drainBacklog()
    }, this.#onFailure)
  }

  #dispatch (inbound: Parameters<ProtocolCore['dispatch']>[0], tc: TransportContext): void {
    const core = this.shared.options.core
    const pending = core.dispatch(inbound, tc)
    // `initialize` sets tc.session synchronously on WebSocket (a local session), so requests
    // pipelined behind it already belong to the session; checked again when it completes.
    if (tc.session !== this.session) this.#adopt(tc.session)
    if (inbound.method === 'initialize') {
      pending.then((outcome) => {
        // A refused initialize (session limit) took its session back: the connection has none.
        if (tc.session === undefined) this.session = undefined
        else this.#adopt(tc.session)
        this.#onOutcome(outcome)
      }, this.#onFailure)
    } else {
      pending.then(this.#onOutcome, this.#onFailure)
    }
  }

  /** Serves waiting requests while slots are free; reading resumes once the backlog is empty. */
  #drainBacklog (): void {
    while (this.#backlog.length > 0 && this.active < this.shared.options.maxInFlight && !this.#closed) {
      const next = this.#backlog.shift()!
      this.#backlogBytes -= next.bytes
      this.#serve(next.inbound)
    }
    if (this.#backlog.length === 0 && this.#heldBack) {
      this.#heldBack = false
      if (!this.paused && !this.#closed) this.socket.resume()
    }
  }

  /** Removes a waiting request cancelled by the client; true if it was waiting. */
  #dropQueued (requestId: unknown): boolean {
    const index = this.#backlog.findIndex((entry) => entry.inbound.id === requestId)
    if (index < 0) return false
    this.#backlogBytes -= this.#backlog[index].bytes
    this.#backlog.splice(index, 1)
    return true
  }

  readonly #onOutcome = (outcome: Outcome): void => {
    if (outcome.response !== undefined) this.send(outcome.response)
    if (--this.active === 0) this.#onIdle()
    if (this.#backlog.length > 0 || this.#heldBack) this.#drainBacklog()
  }

  readonly #onFailure = (error: unknown): void => {
    // The core answers every failure itself; this is a bug, logged rather than crashing the process.
    if (--this.active === 0) this.#onIdle()
    this.logger.error({ err: error }, 'WebSocket request failed in the protocol core')
    if (this.#backlog.length > 0 || this.#heldBack) this.#drainBacklog()
  }

  /** Nothing in flight any more. */
  #onIdle (): void {
    this.lastActiveAt = Date.now()
    if (this.#closeWhenIdle !== undefined) this.end(this.#closeWhenIdle.code, this.#closeWhenIdle.reason)
  }

  /**
   * The credential expires at `at` (epoch ms): from then on new requests are
   * refused, and once what is in flight is answered the connection closes 1008.
   */
  expireAt (at: number): void {
    const expire = () => {
      if (this.#closed) return
      this.logger.info('WebSocket closing: its access token expired')
      this.#closeWhenIdle = { code: CloseCode.PolicyViolation, reason: 'access token expired' }
      if (this.active === 0) this.end(CloseCode.PolicyViolation, 'access token expired')
    }
    const delay = at - Date.now()
    if (delay <= 0) return expire()
    // setTimeout holds at most 2^31-1 ms; token lifetimes are capped far below that.
    this.#expiryTimer = setTimeout(expire, Math.min(delay, 2 ** 31 - 1))
    this.#expiryTimer.unref()
  }

  /** The connection becomes the legacy session's: change notifications reach it on the socket. */
  #adopt (session: Session | undefined): void {
    if (session === undefined || session === this.session) return
    this.session = session
    session.channel = this.send
  }

  readonly #onPong = (): void => {
    this.alive = true
  }

  readonly #onIdleTimer = (): void => {
    const idleMs = this.shared.options.idleTimeoutMs
    const quietFor = Date.now() - this.lastActiveAt
    if (this.active > 0 || quietFor < idleMs) {
      this.#idleTimer = setTimeout(this.#onIdleTimer, this.active > 0 ? idleMs : idleMs - quietFor)
      this.#idleTimer.unref()
      return
    }
    this.logger.debug({ idleMs }, 'WebSocket closed: idle')
    this.end(CloseCode.Normal, 'idle timeout')
  }

  /** Heartbeat tick: closes the connection if it did not answer the previous ping, else pings. */
  heartbeat (): void {
    if (this.#closed) return
    if (!this.alive) {
      this.logger.info('WebSocket closed: no answer to ping')
      this.#release('no answer to ping')
      this.socket.terminate()
      return
    }
    this.alive = false
    this.socket.ping()
  }

  /** Closes with a close frame; the socket is destroyed if the peer does not answer it in time. */
  end (code: number, reason: string): void {
    this.#release(reason)
    if (this.socket.readyState === OPEN) this.socket.close(code, reason)
    // Read again, so the client's closing frame (and nothing else: the connection is released) gets through.
    if (this.socket.isPaused) this.socket.resume()
    setTimeout(() => { this.socket.terminate() }, CLOSE_GRACE_MS).unref()
  }

  readonly #onClose = (): void => {
    this.#release('connection closed')
  }

  /** Frees everything the connection holds: its calls are cancelled (no answers), its session ends. */
  #release (reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.shared.connections.delete(this)
    if (this.shared.connections.size === 0) this.shared.onEmpty()
    clearTimeout(this.#idleTimer)
    clearTimeout(this.#expiryTimer)
    this.raw.removeListener('drain', this.#onDrain)
    this.#backlog.length = 0
    this.#backlogBytes = 0
    for (const call of this.inFlight.values()) call.cancel(reason)
    this.inFlight.clear()
    if (this.session !== undefined) this.shared.options.core.sessions.release(this.session)
  }
}

/** State shared by the connections of one transport. */
interface Shared {
  readonly options: WebSocketTransportOptions
  readonly connections: Set<Connection>
  closing: boolean
  onEmpty (): void
}

export function createWebSocketTransport (options: WebSocketTransportOptions): WebSocketTransport {
  let heartbeat: NodeJS.Timeout | undefined
  const shared: Shared = {
    options,
    connections: new Set(),
    closing: false,
    onEmpty () {
      clearInterval(heartbeat)
      heartbeat = undefined
    }
  }

  const tick = (): void => {
    for (const connection of shared.connections) connection.heartbeat()
  }

  const handler: WebSocketHandler = function (socket, request) {
    if (shared.closing) {
      socket.close(CloseCode.GoingAway, 'server shutting down')
      return
    }
    const principal = options.principalOf(request)
    const release = options.streamQuota.acquire(clientKeyOf(principal, request.raw.socket.remoteAddress), 'WebSocket')
    if (typeof release !== 'function') {
      // A close reason has at most 123 bytes.
      socket.close(CloseCode.TryAgainLater, release.message.slice(0, 120))
      return
    }
    socket.once('close', release)
    const connection = new Connection(socket, request.raw.socket, principal, request.log, shared)
    shared.connections.add(connection)
    const admit = options.admitMessage
    if (admit !== undefined && principal !== undefined) connection.admit = async () => await admit(request)
    if (principal?.expiresAt !== undefined) connection.expireAt(principal.expiresAt)
    if (heartbeat === undefined && options.pingIntervalMs > 0) {
      heartbeat = setInterval(tick, options.pingIntervalMs)
      heartbeat.unref()
    }
    request.log.debug({ protocol: socket.protocol }, 'WebSocket connection opened')
  }

  /**
   * Lenient about the subprotocol: `mcp` is selected when offered, a client
   * that offers none is accepted too (wscat, scripts); one that offers only
   * other subprotocols expects another protocol here and is refused with 400.
   */
  const verifyClient = (info: { req: IncomingMessage }, done: (verified: boolean, code?: number, message?: string) => void): void => {
    const offered = info.req.headers['sec-websocket-protocol']
    if (offered === undefined || offered.split(',').some((p) => p.trim() === SUBPROTOCOL)) {
      done(true)
      return
    }
    done(false, 400, `Unsupported WebSocket subprotocol: offer "${SUBPROTOCOL}" (or none)`)
  }

  let wss: { close (): void } | undefined

  async function closeAll (): Promise<void> {
    shared.closing = true
    const sockets = [...shared.connections].map((c) => c.socket)
    const closed = Promise.all(sockets.map(async (socket) => await new Promise((resolve) => {
      if (socket.readyState === CLOSED) resolve(undefined)
      else socket.once('close', resolve)
    })))
    for (const connection of [...shared.connections]) connection.end(CloseCode.GoingAway, 'server shutting down')
    // Clients answer the close frame at once; one that does not is cut off.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([closed, new Promise((resolve) => { timer = setTimeout(resolve, CLOSE_WAIT_MS) })])
    clearTimeout(timer)
    for (const socket of sockets) socket.terminate()
    shared.onEmpty()
    wss?.close()
  }

  /**
   * @fastify/websocket's own preClose closes every socket at once; here the
   * platform's shutdown decides (calls drain first, then `closeAll`), so this
   * only stops new connections.
   */
  async function preClose (): Promise<void> {
    shared.closing = true
  }

  function errorHandler (this: FastifyInstance, error: Error, socket: WebSocket, request: FastifyRequest): void {
    // `ws` already closed the socket for protocol errors (1009 too big, 1007 invalid UTF-8, ...): the client's fault.
    if ((error as { code?: string }).code?.startsWith('WS_ERR_') === true) {
      request.log.info({ err: error }, 'WebSocket protocol error from the client')
      return
    }
    request.log.error({ err: error }, 'WebSocket error')
    if (socket.readyState === OPEN) socket.close(CloseCode.InternalError, 'internal error')
  }

  const plugin = fp(async (scope) => {
    await scope.register(fastifyWebsocket, {
      options: {
        maxPayload: options.maxMessageBytes,
        perMessageDeflate: false,
        handleProtocols: (protocols: Set<string>) => protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false,
        verifyClient
      },
      errorHandler,
      preClose
    })
    wss = scope.websocketServer
    // An upgrade request answered with a plain HTTP response (403 from the Origin check,
    // 404 for another path, 503 while closing) leaves a socket no HTTP parser reads any
    // more: @fastify/websocket only frees it when its own onRequest hook ran first, and
    // never outside the scope it is registered in. End such a socket once its response is out.
    const http = scope.server
    http.on('upgrade', endRejectedUpgrade)
    scope.addHook('onClose', async () => { http.removeListener('upgrade', endRejectedUpgrade) })
  }, { name: 'mcp-websocket-transport', fastify: '5.x' })

  return {
    plugin,
    handler,
    connections: shared.connections,
    stopAccepting () { shared.closing = true },
    closeAll
  }
}

/** Ends an upgrade socket after an HTTP (non-101) response to it has been written. */
function endRejectedUpgrade (_request: IncomingMessage, socket: Duplex): void {
  // @fastify/websocket's 'upgrade' listener ran first and assigned a ServerResponse to the socket.
  const response = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage
  response?.once('finish', () => { socket.end() })
}
