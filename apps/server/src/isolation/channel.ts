/**
 * The host's end of one worker or child process: the calls in flight there,
 * and what their handlers send back while they run (progress, client logs,
 * input requests, log lines). A call is one message out and one back; its
 * `ctx` is used only for what the handler does with it.
 */
import type { FastifyBaseLogger } from 'fastify'
import { ToolError } from '../registry/tool-error.ts'
import type { RequestContext } from '../registry/types.ts'
import type { CallMessage, GuestMessage, HostMessage } from './messages.ts'

/** A call the isolation layer ended: its message is the caller's to read; `stopNote` says how a timed-out handler ended. */
export class IsolationError extends ToolError {
  override name = 'IsolationError'
  readonly stopNote: string | undefined

  constructor (message: string, stopNote?: string) {
    super(message)
    this.stopNote = stopNote
  }
}

export type CallRequest = Omit<CallMessage, 't' | 'id'>

interface Pending {
  request: CallRequest
  ctx: RequestContext | undefined
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  onAbort: (() => void) | undefined
}

export interface ChannelHooks {
  /** A call's signal aborted and its message went out; the owner may stop a handler that does not end. */
  aborted (id: number, reason: string): void
  notify (uri: string): void
}

/** How a call is named in the errors its caller reads. */
export function describeCall (request: CallRequest): string {
  switch (request.kind) {
    case 'tool': return `Tool "${request.key}"`
    case 'prompt': return `Prompt "${request.key}"`
    case 'resource': case 'template': return `Reading "${request.uri ?? request.key}"`
    case 'complete': return `Completion "${request.key}"`
    case 'ready': return `Readiness check "${request.key}"`
  }
}

export class Channel {
  readonly pending = new Map<number, Pending>()
  readonly #post: (message: HostMessage) => void
  readonly #log: FastifyBaseLogger
  readonly #hooks: ChannelHooks
  #next = 0

  constructor (post: (message: HostMessage) => void, log: FastifyBaseLogger, hooks: ChannelHooks) {
    this.#post = post
    this.#log = log
    this.#hooks = hooks
  }

  get size (): number { return this.pending.size }

  call (request: CallRequest, ctx: RequestContext | undefined): Promise<unknown> {
    const id = ++this.#next
    return new Promise((resolve, reject) => {
      const entry: Pending = { request, ctx, resolve, reject, onAbort: undefined }
      this.pending.set(id, entry)
      this.#post({ t: 'call', id, ...request })
      const signal = ctx?.signal
      if (signal === undefined) return
      const onAbort = (): void => {
        if (!this.pending.has(id)) return
        const reason = typeof signal.reason === 'string' ? signal.reason : 'aborted'
        this.#post({ t: 'abort', id, reason })
        this.#hooks.aborted(id, reason)
      }
      if (signal.aborted) { onAbort(); return }
      entry.onAbort = onAbort
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Ends every call in flight with `reason` (said after the call's name), e.g. when the worker died. */
  failAll (reason: string, stopNote?: string): void {
    for (const id of [...this.pending.keys()]) this.fail(id, reason, stopNote)
  }

  fail (id: number, reason: string, stopNote?: string): void {
    const entry = this.#take(id)
    if (entry !== undefined) entry.reject(new IsolationError(`${describeCall(entry.request)} ${reason}`, stopNote))
  }

  #take (id: number): Pending | undefined {
    const entry = this.pending.get(id)
    if (entry === undefined) return undefined
    this.pending.delete(id)
    if (entry.onAbort !== undefined) entry.ctx?.signal.removeEventListener('abort', entry.onAbort)
    return entry
  }

  /** A message from the guest; false if it is not about calls (the owner handles it). */
  receive (message: GuestMessage): boolean {
    switch (message.t) {
      case 'result': this.#take(message.id)?.resolve(message.value); return true
      case 'error': {
        const entry = this.#take(message.id)
        if (entry === undefined) return true
        const { error } = message
        if (error.denied === true) {
          this.#log.warn({ call: describeCall(entry.request), problem: error.message }, 'isolated plugin was denied by its sandbox')
          entry.reject(new IsolationError(`${describeCall(entry.request)} ${error.message}`))
        } else {
          entry.reject(error.toolError === true ? new ToolError(error.message, { details: error.details }) : new Error(error.message))
        }
        return true
      }
      case 'progress': this.pending.get(message.id)?.ctx?.progress(message.progress, message.total, message.message); return true
      case 'log': this.pending.get(message.id)?.ctx?.log(message.level, message.data, message.logger); return true
      case 'ask': this.#ask(message); return true
      case 'logger': {
        const log = Object.keys(message.bindings).length > 0 ? this.#log.child(message.bindings) : this.#log
        const write = (log as unknown as Record<string, ((...args: unknown[]) => void) | undefined>)[message.level]
        write?.apply(log, message.args)
        return true
      }
      case 'notify': this.#hooks.notify(message.uri); return true
      default: return false
    }
  }

  #ask (message: Extract<GuestMessage, { t: 'ask' }>): void {
    const ctx = this.pending.get(message.id)?.ctx
    const answer = (value: unknown, error?: string): void => {
      if (this.pending.has(message.id)) this.#post({ t: 'answer', id: message.id, ask: message.ask, value, error })
    }
    if (ctx === undefined) { answer(undefined, 'no client to ask'); return }
    const asked = message.method === 'elicit'
      ? ctx.elicit(message.request as Parameters<RequestContext['elicit']>[0])
      : message.method === 'sample'
        ? ctx.sample(message.request as Parameters<RequestContext['sample']>[0])
        : ctx.listRoots(message.request as { key?: string })
    asked.then((value) => { answer(value) }, (error: unknown) => { answer(undefined, error instanceof Error ? error.message : String(error)) })
  }
}
