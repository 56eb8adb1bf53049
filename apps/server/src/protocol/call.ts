/**
 * One request being served: its era, what the client declared, how to reach
 * the client, and its cancellation. Plugin handlers see it through the
 * narrow `HandlerContext` (handler-context.ts).
 */
import type { FastifyBaseLogger } from 'fastify'
import type { LoggingLevel, Principal } from '../registry/types.ts'
import { ToolError } from '../registry/tool-error.ts'
import { missingCapability } from './errors.ts'
import type { JsonRpcMessage, RequestId } from './jsonrpc.ts'
import type { CallTable } from './in-flight.ts'
import type { InFlightCall, Session } from './sessions.ts'
import type { TaskInput } from './tasks/manager.ts'
import type { Era } from './versions.ts'

/** What a transport hands the core with each message. */
export interface TransportContext {
  readonly transport: 'http' | 'websocket' | 'stdio'
  /** The legacy session (HTTP `Mcp-Session-Id`, or the WebSocket connection once initialized). The core sets it on `initialize`. */
  session: Session | undefined
  readonly principal: Principal | undefined
  /** Who the request counts against for per-client quotas: the principal's id, else the client's address. */
  readonly clientKey: string
  readonly logger: FastifyBaseLogger
  /** The request's own outbound stream (SSE, or the socket); undefined when the client can't receive one. */
  readonly send: ((message: JsonRpcMessage) => void) | undefined
  /** Calls in flight on this connection, for `notifications/cancelled` (WebSocket); HTTP uses the session's. */
  readonly inFlight: CallTable<InFlightCall> | undefined
  /** The call being served, so the transport can abort it when its stream closes. Set by the core. */
  call?: Call
  /** Legacy HTTP only: end the SSE response now and let the client resume it with Last-Event-ID. */
  readonly pollLater?: (retryMs: number) => boolean
}

export const LOG_LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']

interface InputRequest { method: string, params: Record<string, unknown> }

/** What a Call tells the handler run it belongs to (run-handler.ts). */
export interface Execution {
  aborted (reason: string): void
  inputRequired (): void
  /** The call became a task: its time limit is now `ms` from here. */
  extend (ms: number): void
}

const NEVER = new Promise<never>(() => {})

export class Call implements InFlightCall {
  /** Index into LOG_LEVELS of the lowest level the client wants; Infinity: none. */
  logThreshold = Infinity
  progressToken: string | number | undefined
  #lastProgress = -Infinity
  #controller: AbortController | undefined
  #abortReason: string | undefined
  /** The client cancelled (or went away): no response must be sent. */
  cancelledByClient = false
  /** The response is decided: nothing more may be sent for this request (a handler may still run on in a timer). */
  done = false

  /** Modern era: answers the client sent for earlier input requests (from `inputResponses` and `requestState`). */
  inputResponses: Record<string, unknown> | undefined
  /** Modern era: input requests the handler made that have no answer yet. */
  inputRequests: Record<string, InputRequest> | undefined
  /** The handler run in progress (tools, prompts, resources), told about aborts and input requests. */
  execution: Execution | undefined
  /** Called when the call is aborted, whatever the reason (long-lived requests such as subscriptions). */
  onAbort: ((reason: string) => void) | undefined
  #inputIndex = 0
  /** Set once the call runs as a task: input requests and progress go to the task instead of the client. */
  task: TaskInput | undefined

  readonly id: RequestId
  readonly method: string
  readonly params: Record<string, unknown>
  readonly era: Era
  readonly tc: TransportContext
  readonly clientCapabilities: Record<string, unknown>
  readonly logger: FastifyBaseLogger

  constructor (
    id: RequestId,
    method: string,
    params: Record<string, unknown>,
    era: Era,
    tc: TransportContext,
    clientCapabilities: Record<string, unknown>,
    logger: FastifyBaseLogger
  ) {
    this.id = id
    this.method = method
    this.params = params
    this.era = era
    this.tc = tc
    this.clientCapabilities = clientCapabilities
    this.logger = logger
  }

  get signal (): AbortSignal {
    this.#controller ??= new AbortController()
    if (this.#abortReason !== undefined && !this.#controller.signal.aborted) this.#controller.abort(this.#abortReason)
    return this.#controller.signal
  }

  get aborted (): boolean {
    return this.#abortReason !== undefined
  }

  get abortReason (): string | undefined {
    return this.#abortReason
  }

  abort (reason: string): void {
    if (this.#abortReason !== undefined) return
    this.#abortReason = reason
    this.#controller?.abort(new DOMException(reason, reason === 'timeout' ? 'TimeoutError' : 'AbortError'))
    this.execution?.aborted(reason)
    this.onAbort?.(reason)
  }

  /** The client cancelled: stop work and send nothing back. */
  cancel (reason: string): void {
    this.cancelledByClient = true
    this.abort(reason)
  }

  send (message: JsonRpcMessage): void {
    if (!this.cancelledByClient && !this.done) this.tc.send?.(message)
  }

  progress (progress: number, total?: number, message?: string): void {
    if (this.task !== undefined) {
      if (!this.aborted) this.task.progress(progress, total, message)
      return
    }
    if (this.progressToken === undefined || this.tc.send === undefined || this.aborted) return
    // Progress must increase; a handler reporting out of order is ignored rather than breaking clients.
    if (!(progress > this.#lastProgress)) return
    this.#lastProgress = progress
    const params: Record<string, unknown> = { progressToken: this.progressToken, progress }
    if (total !== undefined) params.total = total
    if (message !== undefined) params.message = message
    this.send({ jsonrpc: '2.0', method: 'notifications/progress', params })
  }

  log (level: LoggingLevel, data: unknown, logger?: string): void {
    const index = LOG_LEVELS.indexOf(level)
    if (index < this.logThreshold || this.tc.send === undefined || this.aborted) return
    const params: Record<string, unknown> = { level, data }
    if (logger !== undefined) params.logger = logger
    this.send({ jsonrpc: '2.0', method: 'notifications/message', params })
  }

  /** Elicitation or sampling, whichever era the client speaks. */
  async requestInput (method: string, params: Record<string, unknown>, capability: 'elicitation' | 'sampling' | 'roots', key?: string): Promise<Record<string, unknown>> {
    if (this.clientCapabilities[capability] === undefined) {
      if (this.era === 'modern') {
        throw missingCapability(capability)
      }
      throw new ToolError(`This tool needs a client that supports ${capability}; this client did not declare the "${capability}" capability`)
    }
    if (this.task !== undefined) return await this.task.ask(key ?? `${capability}-${this.#inputIndex++}`, { method, params })
    return this.era === 'modern'
      ? await this.#inputRound(method, params, key ?? `${capability}-${this.#inputIndex++}`)
      : await this.#serverRequest(method, params)
  }

  /**
   * Modern era (MRTR): the n-th input request of a handler has the key
   * `<capability>-<n>` unless the handler named one, the same on every round because the handler runs again
   * from the start. Answered keys return at once; the first unanswered one
   * ends the round with an InputRequiredResult (see tools.ts), and this
   * promise never settles: the handler is abandoned and its signal aborted.
   */
  #inputRound (method: string, params: Record<string, unknown>, key: string): Promise<Record<string, unknown>> {
    const answer = this.inputResponses?.[key]
    if (answer !== undefined) return Promise.resolve(answer as Record<string, unknown>)
    const first = this.inputRequests === undefined
    this.inputRequests ??= {}
    this.inputRequests[key] = { method, params }
    if (first) this.execution?.inputRequired()
    return NEVER
  }

  /** Legacy era: a JSON-RPC request to the client on this request's stream, answered by a POST (HTTP) or a frame (WebSocket). */
  async #serverRequest (method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const session = this.tc.session
    if (session === undefined || this.tc.send === undefined) {
      throw new ToolError(`This tool needs to send a ${method} request to the client, but this request has no stream to carry it (send Accept: text/event-stream)`)
    }
    if (this.aborted) throw new ToolError(`The request was cancelled (${this.#abortReason})`)
    const id = session.nextRequestId()
    return await new Promise((resolve, reject) => {
      const onAbort = () => {
        session.pending.delete(id)
        reject(new ToolError(`The request was cancelled (${this.#abortReason}) while waiting for the client's ${method} answer`))
      }
      this.signal.addEventListener('abort', onAbort, { once: true })
      session.pending.set(id, {
        resolve: (result) => { this.signal.removeEventListener('abort', onAbort); session.pending.delete(id); resolve(result) },
        reject: (error) => { this.signal.removeEventListener('abort', onAbort); session.pending.delete(id); reject(error) }
      })
      this.send({ jsonrpc: '2.0', id, method, params })
    })
  }
}
