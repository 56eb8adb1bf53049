/**
 * What the method handlers and handler runs may use of the protocol core: a
 * narrow view, so that `methods/` and `run-handler.ts` depend on this
 * interface and never on the dispatcher that implements it.
 */
import type { Registry } from '../registry/registry.ts'
import type { EventBus } from '../state/event-bus.ts'
import type { Deadlines } from './deadlines.ts'
import type { RequestStateSealer } from './request-state.ts'
import type { Sessions } from './sessions.ts'
import type { TaskManager, TaskSettings } from './tasks/manager.ts'

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
  /** Caps on what a client may make the server keep (see the limits table). */
  budgets: Budgets
  /** Told of every request when it ends (metrics, traces); unset costs nothing. */
  observer?: RequestObserver
  /** Tool calls as tasks (the tasks extension). */
  tasks: TaskSettings
}

export type RequestOutcome = 'ok' | 'error' | 'tool_error' | 'cancelled'

/** One finished request, as metrics and traces see it. */
export interface FinishedRequest {
  method: string
  era: 'modern' | 'legacy'
  transport: 'http' | 'websocket' | 'stdio'
  /** `tools/call`: the tool's name as the client gave it. */
  tool: string | undefined
  outcome: RequestOutcome
  /** The JSON-RPC error code when the outcome is `error`. */
  errorCode: number | undefined
  durationMs: number
  /** W3C trace context the client put in `_meta` (`traceparent`, `tracestate`), to continue its trace. */
  traceparent: string | undefined
  tracestate: string | undefined
}

export interface RequestObserver {
  requestEnded (request: FinishedRequest): void
}

export interface Budgets {
  clientInfoMaxBytes: number
  capabilitiesMaxBytes: number
  maxSubscriptionsPerSession: number
  maxUriLength: number
  maxSessionsPerClient: number
  /** Largest tool result (JSON bytes) the server sends. */
  maxResultBytes: number
  maxTasks: number
  maxTasksPerClient: number
  /** Calls that may wait for a tool under a concurrency cap (default 100). */
  toolQueueMax?: number
}

/** What a handler run needs: time limits and the MRTR sealer. */
export interface RunContext {
  readonly options: CoreOptions
  readonly sealer: RequestStateSealer
  readonly deadlines: Deadlines
}

/** What a method handler needs. */
export interface CoreContext extends RunContext {
  readonly registry: Registry
  readonly sessions: Sessions
  readonly bus: EventBus
  readonly tasks: TaskManager
  /** True once shutdown began: long-lived requests are refused. */
  readonly closing: boolean
  /** What this server offers, for `initialize` and `server/discover`. */
  capabilities (): Record<string, unknown>
}
