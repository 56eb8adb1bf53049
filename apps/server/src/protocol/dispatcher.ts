/**
 * The protocol core: takes one parsed JSON-RPC message plus a small context
 * from a transport, and answers it. It knows both protocol eras and nothing of
 * HTTP or WebSocket; transports are thin adapters onto `handle()`.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Registry } from '../registry/registry.ts'
import type { EventBus } from '../state/event-bus.ts'
import type { SharedState } from '../state/index.ts'
import type { RelayedMessage, SessionRelay } from '../state/session-relay.ts'
import { Call, LOG_LEVELS, type TransportContext } from './call.ts'
import type { CoreContext, CoreOptions, FinishedRequest } from './context.ts'
import { Deadlines } from './deadlines.ts'
import {
  clientAnsweredWithError, duplicateRequestId, internalError, invalidEnvelope, methodNotFound, noSession, ProtocolError,
  unsupportedProtocolVersion
} from './errors.ts'
import { readInbound, type Inbound } from './inbound.ts'
import { clip, sessionRef } from './log-values.ts'
import { failureFrom, idOf, success, type JsonRpcResponse, type RequestId } from './jsonrpc.ts'
import { methods, type MethodTable } from './methods/index.ts'
import { RequestStateSealer } from './request-state.ts'
import { Sessions, type InFlightCall, type Session } from './sessions.ts'
import type { CallTable } from './in-flight.ts'
import { TaskManager } from './tasks/manager.ts'
import { MemoryTaskStore } from '../state/task-store.ts'
import { LEGACY_VERSIONS, META, MODERN_VERSIONS } from './versions.ts'

export type { CoreOptions } from './context.ts'

/**
 * What the core answers to one message. A transport with statuses (HTTP)
 * maps it with `error.httpStatus`; the core itself knows no status.
 */
export interface Outcome {
  /** The response to send; undefined for notifications, responses, and requests the client cancelled. */
  response: JsonRpcResponse | undefined
  /** Set when `response` is an error. */
  error?: ProtocolError
}

const NOTHING: Outcome = Object.freeze({ response: undefined })

export class ProtocolCore implements CoreContext {
  readonly serverMeta: Record<string, unknown>
  readonly sealer: RequestStateSealer
  /** Every call in flight on this instance, for draining at shutdown. */
  readonly calls = new Set<Call>()
  /** Time limits of handler runs. */
  readonly deadlines = new Deadlines()
  readonly #methods: MethodTable = methods
  #closing = false
  readonly #relay: SessionRelay | undefined
  /** Resolvers of `drain()` waiting for the last call to end. */
  #idle: Array<() => void> = []

  readonly registry: Registry
  readonly sessions: Sessions
  readonly bus: EventBus
  readonly tasks: TaskManager
  readonly options: CoreOptions
  readonly logger: FastifyBaseLogger

  /** `state`: the shared stores this core serves from (see state/index.ts). */
  constructor (
    registry: Registry,
    state: Pick<SharedState, 'sessions' | 'events' | 'requestStates' | 'relay' | 'tasks'>,
    options: CoreOptions,
    logger: FastifyBaseLogger
  ) {
    const sessions = new Sessions(state.sessions)
    state.sessions.onEnd((id, reason) => {
      // Expiry and eviction are the server's doing: a client that comes back with the id gets 404, and the log says why.
      if (reason === 'expired') logger.info({ session: sessionRef(id) }, 'session expired: idle past its timeout (MCP_SESSION_IDLE_MS)')
      else if (reason === 'evicted') logger.info({ session: sessionRef(id) }, 'session evicted: its client opened more than MCP_MAX_SESSIONS_PER_CLIENT')
    })
    const bus = state.events
    this.registry = registry
    this.sessions = sessions
    this.bus = bus
    this.options = options
    this.logger = logger
    this.serverMeta = Object.freeze({ [META.serverInfo]: options.serverInfo }) as Record<string, unknown>
    this.sealer = new RequestStateSealer(options.stateKey, options.requestStateTtlMs, state.requestStates)
    const taskStore = state.tasks ?? new MemoryTaskStore({ maxTasks: options.budgets.maxTasks, maxTasksPerClient: options.budgets.maxTasksPerClient })
    this.tasks = new TaskManager(taskStore, options.tasks, bus, logger, state.relay)
    registry.subscribe({
      listChanged: (list) => bus.publish({ type: 'listChanged', list }),
      resourceUpdated: (uri) => bus.publish({ type: 'resourceUpdated', uri })
    })
    bus.subscribe((event) => { sessions.deliver(event) })
    this.#relay = state.relay
    this.#relay?.listen((relayed) => { this.#relayed(relayed) })
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
      return { response: failureFrom(idOf(message), error as ProtocolError), error: error as ProtocolError }
    }
  }

  async dispatch (inbound: Inbound, tc: TransportContext): Promise<Outcome> {
    if (inbound.kind === 'notification') {
      this.#notification(inbound, tc)
      return NOTHING
    }
    if (inbound.kind === 'response') {
      this.#response(inbound, tc.session)
      return NOTHING
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
      const failed = this.#failed(id, inbound, unknownMethod(call))
      this.options.observer?.requestEnded(finished(call, failed, 0))
      return failed
    }

    const inFlight = tc.inFlight ?? tc.session?.inFlight
    // An id names one request of a session or connection: a second one in flight could not be cancelled or answered apart.
    if (inFlight?.has(id) === true) return this.#failed(id, inbound, duplicateRequestId(id))
    this.calls.add(call)
    inFlight?.set(id, call)
    tc.call = call
    const observer = this.options.observer
    const started = observer === undefined ? 0 : performance.now()
    let outcome: Outcome = NOTHING
    try {
      const result = await entry.handler(this, call)
      if (call.cancelledByClient || result === undefined) return NOTHING
      if (call.era === 'modern') this.#stamp(result)
      return (outcome = { response: success(id, result) })
    } catch (error) {
      if (call.cancelledByClient) return NOTHING
      return (outcome = this.#failed(id, inbound, error))
    } finally {
      if (observer !== undefined) observer.requestEnded(finished(call, outcome, performance.now() - started))
      call.done = true
      this.calls.delete(call)
      if (inFlight?.get(id) === call) inFlight.delete(id)
      if (this.calls.size === 0 && this.#idle.length > 0) for (const resolve of this.#idle.splice(0)) resolve()
    }
  }

  /**
   * Resolves when no call is in flight any more, or after `ms`, whichever
   * comes first: true if the calls all ended.
   */
  async drain (ms: number): Promise<boolean> {
    if (this.calls.size === 0) return true
    let timer: NodeJS.Timeout | undefined
    const idle = new Promise<boolean>((resolve) => { this.#idle.push(() => resolve(true)) })
    const late = new Promise<boolean>((resolve) => { timer = setTimeout(resolve, ms, false) })
    try {
      return await Promise.race([idle, late])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Aborts every call in flight (shutdown after the drain period). */
  abortAll (reason: string): void {
    this.#closing = true
    for (const call of this.calls) call.abort(reason)
    this.tasks.abortAll(reason)
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
      throw noSession(META.protocolVersion, META.clientCapabilities)
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
    if (!(error instanceof ProtocolError)) {
      this.logger.error({ err: error, method: clip(inbound.method) }, 'request failed')
      error = internalError()
    }
    return { response: failureFrom(id, error as ProtocolError), error: error as ProtocolError }
  }

  #notification (inbound: Inbound, tc: TransportContext): void {
    if (inbound.method !== 'notifications/cancelled') return
    const inFlight = tc.inFlight ?? tc.session?.inFlight
    if (this.#cancel(inbound.message, inFlight, tc.logger)) return
    // Another instance may run the request (a legacy HTTP session behind a load balancer).
    if (tc.inFlight === undefined && tc.session !== undefined) this.#relay?.send({ to: tc.session.id, kind: 'cancel', message: inbound.message })
  }

  #cancel (message: Record<string, unknown>, inFlight: CallTable<InFlightCall> | undefined, logger: FastifyBaseLogger): boolean {
    const params = (message.params ?? {}) as Record<string, unknown>
    const requestId = params.requestId
    const call = (typeof requestId === 'string' || typeof requestId === 'number') ? inFlight?.get(requestId) : undefined
    if (call === undefined) return false
    const reason = typeof params.reason === 'string' ? params.reason : 'cancelled by the client'
    logger.debug({ requestId: clip(requestId), reason: clip(reason) }, 'request cancelled by the client')
    call.cancel(reason)
    return true
  }

  /** A legacy client's answer to a server-to-client request (elicitation, sampling). */
  #response (inbound: Inbound, session: Session | undefined): void {
    if (session === undefined) return
    if (this.#answer(session, inbound.message)) return
    // The request may wait on another instance: the client's POST went where the balancer sent it.
    if (!session.bound) this.#relay?.send({ to: session.id, kind: 'response', message: inbound.message })
  }

  /** A message relayed by another instance: taken only if this instance holds what it refers to. */
  #relayed ({ to, kind, message }: RelayedMessage): void {
    if (kind === 'taskInput' || kind === 'taskCancel') {
      this.tasks.relayed(to, kind, message)
      return
    }
    const session = this.sessions.localSession(to)
    if (session === undefined || session.bound) return
    if (kind === 'cancel') this.#cancel(message, session.inFlight, this.logger)
    else this.#answer(session, message)
  }

  #answer (session: Session, message: Record<string, unknown>): boolean {
    const pending = session.pending.get(message.id as RequestId)
    if (pending === undefined) return false
    if (message.error !== undefined) {
      const error = message.error as { message?: string }
      pending.reject(clientAnsweredWithError(error.message ?? 'unknown'))
    } else {
      pending.resolve(message.result as Record<string, unknown>)
    }
    return true
  }
}

function finished (call: Call, outcome: Outcome, durationMs: number): FinishedRequest {
  const result = outcome.response !== undefined && 'result' in outcome.response ? outcome.response.result as Record<string, unknown> : undefined
  const name = call.method === 'tools/call' ? call.params.name : undefined
  const meta = call.params._meta as Record<string, unknown> | undefined
  return {
    method: call.method,
    era: call.era,
    transport: call.tc.transport,
    tool: typeof name === 'string' ? name : undefined,
    outcome: call.cancelledByClient ? 'cancelled' : outcome.error !== undefined ? 'error' : result?.isError === true ? 'tool_error' : 'ok',
    errorCode: outcome.error?.code,
    durationMs,
    traceparent: typeof meta?.traceparent === 'string' ? meta.traceparent : undefined,
    tracestate: typeof meta?.tracestate === 'string' ? meta.tracestate : undefined
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
    throw invalidEnvelope(`_meta "${META.protocolVersion}" must be a protocol version string such as "2026-07-28"`)
  }
  if (!MODERN_VERSIONS.includes(version)) {
    throw unsupportedProtocolVersion(version, MODERN_VERSIONS, LEGACY_VERSIONS)
  }
  const capabilities = meta[META.clientCapabilities]
  if (capabilities === null || typeof capabilities !== 'object' || Array.isArray(capabilities)) {
    throw invalidEnvelope(`_meta "${META.clientCapabilities}" is required on every request (an object, {} if the client has none)`)
  }
  const level = meta[META.logLevel]
  if (level !== undefined && !LOG_LEVELS.includes(level as never)) {
    throw invalidEnvelope(`_meta "${META.logLevel}" must be one of ${LOG_LEVELS.join(', ')}`)
  }
  return capabilities as Record<string, unknown>
}

function unknownMethod (call: Call): ProtocolError {
  const era = call.era === 'modern' ? 'protocol 2026-07-28' : `protocol ${call.tc.session?.data.protocolVersion ?? 'legacy'}`
  const hint = call.method === 'initialize' || call.method === 'ping' || call.method === 'logging/setLevel' || call.method.startsWith('resources/subscribe') || call.method === 'resources/unsubscribe'
    ? ' (it belongs to protocol 2025-11-25 and earlier)'
    : call.method === 'server/discover' || call.method === 'subscriptions/listen'
      ? ' (it belongs to protocol 2026-07-28: send it with _meta, outside a session)'
      : ''
  return methodNotFound(call.method, call.era, era, hint)
}
