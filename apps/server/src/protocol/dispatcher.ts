/**
 * The protocol core: takes one parsed JSON-RPC message plus a small context
 * from a transport, and answers it. It knows both protocol eras and nothing of
 * HTTP or WebSocket; transports are thin adapters onto `handle()`.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Registry } from '../registry/registry.ts'
import type { EventBus } from '../state/event-bus.ts'
import { Call, LOG_LEVELS, type TransportContext } from './call.ts'
import { readInbound, type Inbound } from './inbound.ts'
import {
  ErrorCode, failure, failureFrom, idOf, ProtocolError, success,
  type JsonRpcResponse, type RequestId
} from './jsonrpc.ts'
import { Deadlines } from './deadlines.ts'
import { RequestStateSealer } from './request-state.ts'
import type { Session, Sessions } from './sessions.ts'
import { META, MODERN_VERSIONS } from './versions.ts'
import { methods, type MethodTable } from './methods/index.ts'
import { deliverLegacyChange } from './methods/subscriptions.ts'

export interface CoreOptions {
  serverInfo: { name: string, version: string, title?: string }
  instructions?: string
  /** Default time limit of a tool, prompt or resource handler. */
  handlerTimeoutMs: number
  /** Items per page of the list methods. */
  pageSize: number
  /** `ttlMs` of list results (modern era). */
  listTtlMs: number
  /** Key of the HMAC that protects MRTR `requestState`. */
  stateKey: Buffer
  /** How long an MRTR round may take before its `requestState` expires. */
  requestStateTtlMs: number
}

/** A response and the HTTP status a transport that has one should use. */
export interface Outcome {
  response: JsonRpcResponse | undefined
  status: number
}

const ACCEPTED: Outcome = Object.freeze({ response: undefined, status: 202 })

/** Errors found before a method runs (bad envelope, version, headers) are HTTP 400. */
class Rejection extends ProtocolError {}

export class ProtocolCore {
  readonly serverMeta: Record<string, unknown>
  readonly sealer: RequestStateSealer
  /** Every call in flight on this instance, for draining at shutdown. */
  readonly calls = new Set<Call>()
  /** Time limits of handler runs. */
  readonly deadlines = new Deadlines()
  readonly #methods: MethodTable = methods
  #closing = false

  readonly registry: Registry
  readonly sessions: Sessions
  readonly bus: EventBus
  readonly options: CoreOptions
  readonly logger: FastifyBaseLogger

  constructor (
    registry: Registry,
    sessions: Sessions,
    bus: EventBus,
    options: CoreOptions,
    logger: FastifyBaseLogger
  ) {
    this.registry = registry
    this.sessions = sessions
    this.bus = bus
    this.options = options
    this.logger = logger
    this.serverMeta = Object.freeze({ [META.serverInfo]: options.serverInfo }) as Record<string, unknown>
    this.sealer = new RequestStateSealer(options.stateKey, options.requestStateTtlMs)
    registry.subscribe({
      listChanged: (list) => bus.publish({ type: 'listChanged', list }),
      resourceUpdated: (uri) => bus.publish({ type: 'resourceUpdated', uri })
    })
    bus.subscribe((event) => deliverLegacyChange(this, event))
  }

  get closing (): boolean {
    return this.#closing
  }

  /** What this server offers, for `initialize` and `server/discover`. */
  capabilities (): Record<string, unknown> {
    return {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      completions: {},
      logging: {}
    }
  }

  /** Parses and classifies, or answers the malformed message with -32600. */
  read (message: unknown): Inbound | Outcome {
    try {
      return readInbound(message)
    } catch (error) {
      return { response: failureFrom(idOf(message), error as ProtocolError), status: 400 }
    }
  }

  async handle (message: unknown, tc: TransportContext): Promise<Outcome> {
    const inbound = this.read(message)
    if ('status' in inbound) return inbound
    return await this.dispatch(inbound, tc)
  }

  async dispatch (inbound: Inbound, tc: TransportContext): Promise<Outcome> {
    if (inbound.kind === 'notification') {
      this.#notification(inbound, tc)
      return ACCEPTED
    }
    if (inbound.kind === 'response') {
      this.#response(inbound, tc.session)
      return ACCEPTED
    }
    const id = inbound.id as RequestId
    let call: Call
    try {
      call = this.#startCall(inbound, tc)
    } catch (error) {
      return this.#failed(id, inbound, error)
    }
    const entry = this.#methods.get(call.method)
    if (entry === undefined || (entry.era !== 'both' && entry.era !== call.era)) {
      return this.#failed(id, inbound, methodNotFound(call))
    }

    this.calls.add(call)
    const inFlight = tc.inFlight ?? tc.session?.inFlight
    inFlight?.set(id, call)
    tc.call = call
    try {
      const result = await entry.handler(this, call)
      if (call.cancelledByClient || result === undefined) return { response: undefined, status: 200 }
      if (call.era === 'modern') this.#stamp(result)
      return { response: success(id, result), status: 200 }
    } catch (error) {
      if (call.cancelledByClient) return { response: undefined, status: 200 }
      return this.#failed(id, inbound, error)
    } finally {
      call.done = true
      this.calls.delete(call)
      if (inFlight?.get(id) === call) inFlight.delete(id)
    }
  }

  /** Aborts every call in flight (shutdown after the drain period). */
  abortAll (reason: string): void {
    this.#closing = true
    for (const call of this.calls) call.abort(reason)
    this.deadlines.clear()
  }

  /** Stops accepting long-lived subscriptions; open ones end gracefully. */
  beginShutdown (): void {
    this.#closing = true
    for (const call of this.calls) {
      if (call.method === 'subscriptions/listen') call.abort('shutdown')
    }
  }

  #startCall (inbound: Inbound, tc: TransportContext): Call {
    const method = inbound.method as string
    const params = inbound.params
    const meta = inbound.meta
    if (inbound.era === 'modern') {
      const capabilities = checkEnvelope(inbound)
      const call = new Call(inbound.id as RequestId, method, params, 'modern', tc, capabilities, tc.logger)
      const level = meta?.[META.logLevel]
      if (level !== undefined) call.logThreshold = LOG_LEVELS.indexOf(level as never)
      call.progressToken = progressToken(meta)
      return call
    }
    const session = tc.session
    if (session === undefined && method !== 'initialize') {
      throw new Rejection(ErrorCode.InvalidRequest,
        'Bad Request: no session. Send "initialize" first (protocol 2025-11-25 and earlier), ' +
        `or put "${META.protocolVersion}" and "${META.clientCapabilities}" in the request's _meta (protocol 2026-07-28)`)
    }
    const call = new Call(inbound.id as RequestId, method, params, 'legacy', tc, session?.data.clientCapabilities ?? {}, tc.logger)
    const level = session?.data.logLevel
    call.logThreshold = level === undefined ? 0 : LOG_LEVELS.indexOf(level)
    call.progressToken = progressToken(meta)
    return call
  }

  /** Modern results carry `resultType` and the server's identity. */
  #stamp (result: Record<string, unknown>): void {
    if (result.resultType === undefined) result.resultType = 'complete'
    const meta = result._meta as Record<string, unknown> | undefined
    result._meta = meta === undefined ? this.serverMeta : { ...meta, ...this.serverMeta }
  }

  #failed (id: RequestId, inbound: Inbound, error: unknown): Outcome {
    if (error instanceof ProtocolError) {
      return { response: failureFrom(id, error), status: statusOf(error, inbound) }
    }
    this.logger.error({ err: error, method: inbound.method }, 'request failed')
    return { response: failure(id, ErrorCode.InternalError, 'Internal error: the server failed to process the request; it has been logged'), status: 500 }
  }

  #notification (inbound: Inbound, tc: TransportContext): void {
    if (inbound.method !== 'notifications/cancelled') return
    const requestId = inbound.params.requestId
    const inFlight = tc.inFlight ?? tc.session?.inFlight
    const call = (typeof requestId === 'string' || typeof requestId === 'number') ? inFlight?.get(requestId) : undefined
    if (call === undefined) return
    const reason = typeof inbound.params.reason === 'string' ? inbound.params.reason : 'cancelled by the client'
    tc.logger.debug({ requestId, reason }, 'request cancelled by the client')
    call.cancel(reason)
  }

  /** A legacy client's answer to a server-to-client request (elicitation, sampling). */
  #response (inbound: Inbound, session: Session | undefined): void {
    const pending = session?.pending.get(inbound.id as RequestId)
    if (pending === undefined) return
    const message = inbound.message
    if (message.error !== undefined) {
      const error = message.error as { message?: string }
      pending.reject(new ProtocolError(ErrorCode.InternalError, `The client answered with an error: ${error.message ?? 'unknown'}`))
    } else {
      pending.resolve(message.result as Record<string, unknown>)
    }
  }
}

function progressToken (meta: Record<string, unknown> | undefined): string | number | undefined {
  const token = meta?.progressToken
  return typeof token === 'string' || typeof token === 'number' ? token : undefined
}

/** Checks the modern per-request `_meta` fields; returns the client capabilities. */
function checkEnvelope (inbound: Inbound): Record<string, unknown> {
  const version = inbound.claimedVersion
  const meta = inbound.meta as Record<string, unknown>
  if (typeof version !== 'string') {
    throw new Rejection(ErrorCode.InvalidParams, `Invalid params: _meta "${META.protocolVersion}" must be a protocol version string such as "2026-07-28"`)
  }
  if (!MODERN_VERSIONS.includes(version)) {
    throw new Rejection(ErrorCode.UnsupportedProtocolVersion, `Unsupported protocol version "${version}": this server supports ${MODERN_VERSIONS.join(', ')} (and 2025-11-25 through 2025-03-26 via initialize)`,
      { supported: [...MODERN_VERSIONS], requested: version })
  }
  const capabilities = meta[META.clientCapabilities]
  if (capabilities === null || typeof capabilities !== 'object' || Array.isArray(capabilities)) {
    throw new Rejection(ErrorCode.InvalidParams, `Invalid params: _meta "${META.clientCapabilities}" is required on every request (an object, {} if the client has none)`)
  }
  const level = meta[META.logLevel]
  if (level !== undefined && !LOG_LEVELS.includes(level as never)) {
    throw new Rejection(ErrorCode.InvalidParams, `Invalid params: _meta "${META.logLevel}" must be one of ${LOG_LEVELS.join(', ')}`)
  }
  return capabilities as Record<string, unknown>
}

function methodNotFound (call: Call): ProtocolError {
  const era = call.era === 'modern' ? 'protocol 2026-07-28' : `protocol ${call.tc.session?.data.protocolVersion ?? 'legacy'}`
  const hint = call.method === 'initialize' || call.method === 'ping' || call.method === 'logging/setLevel' || call.method.startsWith('resources/subscribe') || call.method === 'resources/unsubscribe'
    ? ' (it belongs to protocol 2025-11-25 and earlier)'
    : call.method === 'server/discover' || call.method === 'subscriptions/listen'
      ? ' (it belongs to protocol 2026-07-28: send it with _meta, outside a session)'
      : ''
  return new ProtocolError(ErrorCode.MethodNotFound, `Method not found: "${call.method}" is not a method of ${era}${hint}`)
}

function statusOf (error: ProtocolError, inbound: Inbound): number {
  if (error instanceof Rejection) return 400
  if (error.code === ErrorCode.MethodNotFound) return inbound.era === 'modern' ? 404 : 200
  if (error.code === ErrorCode.MissingRequiredClientCapability) return 400
  if ((error as { status?: number }).status !== undefined) return (error as { status?: number }).status as number
  return 200
}

export { Rejection }
