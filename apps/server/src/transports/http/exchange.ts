/**
 * One HTTP request/response as the protocol core sees it (its
 * TransportContext). It answers with plain JSON unless the request produces
 * messages before its result (progress, logs, legacy server requests,
 * subscriptions): then the response turns into an SSE stream at the first one.
 *
 * A class with prototype methods rather than closures: one allocation per
 * request on the hot path.
 */
import type { Socket } from 'node:net'
import type { FastifyBaseLogger, FastifyReply } from 'fastify'
import type { Call, TransportContext } from '../../protocol/call.ts'
import type { JsonRpcMessage } from '../../protocol/jsonrpc.ts'
import type { Session } from '../../protocol/sessions.ts'
import type { Principal } from '../../registry/types.ts'
import type { EventStore } from '../../state/event-store.ts'
import { clientKeyOf } from '../client-key.ts'
import { SseStream, type FlowLimits } from './sse.ts'

export interface StreamSettings {
  keepAliveMs: number
  flow: FlowLimits
  sseRetryMs: number
  eventStore: EventStore
  /** Legacy streams whose request still runs, by stream id, for `Last-Event-ID` resumption. */
  liveStreams: Map<string, SseStream>
  nextStreamId: () => string
}

const kExchange = Symbol('mcp.exchange')
const kWatched = Symbol('mcp.watched')

type WatchedSocket = Socket & { [kExchange]?: HttpExchange, [kWatched]?: true }

export class HttpExchange implements TransportContext {
  readonly transport = 'http' as const
  readonly inFlight = undefined
  call: Call | undefined
  stream: SseStream | undefined
  #streamId: string | undefined

  readonly reply: FastifyReply
  session: Session | undefined
  readonly principal: Principal | undefined
  readonly logger: FastifyBaseLogger
  readonly settings: StreamSettings

  constructor (
    reply: FastifyReply,
    session: Session | undefined,
    principal: Principal | undefined,
    logger: FastifyBaseLogger,
    settings: StreamSettings
  ) {
    this.reply = reply
    this.session = session
    this.principal = principal
    this.logger = logger
    this.settings = settings
  }

  /** The principal, else the client's address (computed only when a quota asks). */
  get clientKey (): string {
    return clientKeyOf(this.principal, this.reply.request.ip)
  }

  /** Legacy streams carry event ids and outlive a dropped connection. */
  get resumable (): boolean {
    return this.session !== undefined
  }

  send (message: JsonRpcMessage): void {
    this.#open().write(message)
  }

  pollLater (retryMs: number): boolean {
    if (!this.resumable) return false
    this.#open().detach(retryMs)
    return true
  }

  /**
   * Watches the connection: one 'close' listener per socket (not per request)
   * cancels whatever exchange the socket is serving when the client goes away.
   */
  watch (): void {
    const socket = this.reply.raw.socket as WatchedSocket | null
    if (socket === null) return
    socket[kExchange] = this
    if (socket[kWatched] === true) return
    socket[kWatched] = true
    socket.once('close', () => socket[kExchange]?.clientGone())
  }

  /** The response is complete: the socket no longer serves this exchange. */
  release (): void {
    const socket = this.reply.raw.socket as WatchedSocket | null
    if (socket !== null && socket[kExchange] === this) socket[kExchange] = undefined
    if (this.#streamId !== undefined) this.settings.liveStreams.delete(this.#streamId)
  }

  clientGone (): void {
    if (this.reply.raw.writableFinished) return
    // A legacy stream with event ids can be resumed, so its request goes on; anything else is cancelled.
    if (this.stream !== undefined && this.resumable) {
      // The close may be noticed after the client already resumed the stream elsewhere: leave that connection alone.
      this.stream.detach(undefined, this.reply.raw)
      return
    }
    this.call?.cancel('the client closed the connection')
  }

  #open (): SseStream {
    if (this.stream !== undefined) return this.stream
    this.reply.hijack()
    const { settings, session } = this
    const headers: Record<string, string> = session === undefined ? {} : { 'mcp-session-id': session.id }
    if (session === undefined) {
      this.stream = new SseStream(this.reply.raw, { headers, keepAliveMs: settings.keepAliveMs, flow: settings.flow })
      return this.stream
    }
    this.#streamId = `${session.id}_${settings.nextStreamId()}`
    this.stream = new SseStream(this.reply.raw, {
      headers,
      keepAliveMs: settings.keepAliveMs,
      flow: settings.flow,
      resumable: {
        store: settings.eventStore,
        streamId: this.#streamId,
        // Priming events arrived with 2025-11-25; older clients get plain streams.
        primeWithRetryMs: session.data.protocolVersion >= '2025-11-25' ? settings.sseRetryMs : undefined
      }
    })
    settings.liveStreams.set(this.#streamId, this.stream)
    return this.stream
  }
}
