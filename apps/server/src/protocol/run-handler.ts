/**
 * Runs a plugin handler (tool, prompt or resource read) with what every one
 * of them needs: a `ctx`, a time limit, cancellation, and, on the modern era,
 * the multi round-trip (MRTR) bookkeeping that turns `ctx.elicit()` into an
 * InputRequiredResult and a retry back into an answer.
 *
 * This is on the hot path of every tool call, so an Execution is one object
 * with methods (no per-call closures beyond the promise's executor), and the
 * timer is armed with an argument instead of a closure.
 */
import type { RequestContext } from '../registry/types.js'
import { HandlerContext, type Call } from './call.js'
import type { ProtocolCore } from './dispatcher.js'
import { ErrorCode, ProtocolError } from './jsonrpc.js'
import type { StateBinding } from './request-state.js'

export class HandlerTimeout extends Error {
  constructor (readonly ms: number) {
    super(`timed out after ${formatMs(ms)}`)
  }
}

export class HandlerAborted extends Error {}

export type HandlerOutcome<T> = { value: T } | { inputRequired: Record<string, unknown> }

export interface HandlerRun {
  owner: string
  timeoutMs: number | undefined
  /** Binds a modern `requestState` to this request: the tool or prompt name, or the URI. */
  target: string
  args: unknown
}

/** What a Call tells the handler run it belongs to. */
export interface Execution {
  aborted (reason: string): void
  inputRequired (): void
}

class Run<T> implements Execution {
  #settled = false
  #timer: NodeJS.Timeout | undefined
  resolve!: (outcome: HandlerOutcome<T>) => void
  reject!: (error: unknown) => void

  constructor (readonly core: ProtocolCore, readonly call: Call, readonly run: HandlerRun) {}

  start (timeoutMs: number, pending: T | Promise<T>): void {
    this.#timer = setTimeout(onTimeout, timeoutMs, this, timeoutMs)
    if (pending instanceof Promise) void this.#await(pending)
    else this.#finish({ value: pending })
  }

  async #await (pending: Promise<T>): Promise<void> {
    try {
      this.#finish({ value: await pending })
    } catch (error) {
      this.fail(error)
    }
  }

  #finish (outcome: HandlerOutcome<T>): void {
    if (this.#settle()) this.resolve(outcome)
  }

  fail (error: unknown): void {
    if (this.#settle()) this.reject(error)
  }

  /** True the first time: the run is over, its timer and its link to the call are dropped. */
  #settle (): boolean {
    if (this.#settled) return false
    this.#settled = true
    clearTimeout(this.#timer)
    this.call.execution = undefined
    return true
  }

  timedOut (ms: number): void {
    if (this.#settled) return
    this.call.abort('timeout')
    this.fail(new HandlerTimeout(ms))
  }

  /** Cancellation and shutdown stop the wait at once; the handler sees its signal abort. */
  aborted (reason: string): void {
    if (reason !== 'timeout' && reason !== 'input required') this.fail(new HandlerAborted(reason))
  }

  /** Input requests made in this turn of the event loop are gathered, then the round ends. */
  inputRequired (): void {
    setImmediate(endRound, this)
  }

  endRound (): void {
    if (this.#settled) return
    const { call, core, run } = this
    call.abort('input required')
    this.#finish({
      inputRequired: {
        resultType: 'input_required',
        inputRequests: call.inputRequests,
        requestState: core.sealer.seal(bindingOf(call, run), call.inputResponses ?? {})
      }
    })
  }
}

function onTimeout (run: { timedOut (ms: number): void }, ms: number): void {
  run.timedOut(ms)
}

function endRound (run: { endRound (): void }): void {
  run.endRound()
}

function bindingOf (call: Call, run: HandlerRun): StateBinding {
  return { method: call.method, target: run.target, args: run.args, principalId: call.tc.principal?.id }
}

export async function runHandler<T> (
  core: ProtocolCore,
  call: Call,
  run: HandlerRun,
  handler: (ctx: RequestContext) => T | Promise<T>
): Promise<HandlerOutcome<T>> {
  if (call.era === 'modern' && (call.params.requestState !== undefined || call.params.inputResponses !== undefined)) {
    call.inputResponses = gatherInputResponses(core, call, bindingOf(call, run))
  }
  const execution = new Run<T>(core, call, run)
  const done = new Promise<HandlerOutcome<T>>((resolve, reject) => {
    execution.resolve = resolve
    execution.reject = reject
  })
  call.execution = execution
  let pending: T | Promise<T>
  try {
    pending = handler(new HandlerContext(call, call.logger, run.owner))
  } catch (error) {
    call.execution = undefined
    throw error
  }
  execution.start(run.timeoutMs ?? core.options.handlerTimeoutMs, pending)
  return await done
}

/** Answers of earlier rounds (sealed in `requestState`) plus this round's `inputResponses`. */
function gatherInputResponses (core: ProtocolCore, call: Call, binding: StateBinding): Record<string, unknown> | undefined {
  const { requestState, inputResponses } = call.params
  let responses: Record<string, unknown> | undefined
  if (requestState !== undefined) responses = { ...core.sealer.open(requestState, binding) }
  if (inputResponses !== undefined) {
    if (inputResponses === null || typeof inputResponses !== 'object' || Array.isArray(inputResponses)) {
      throw new ProtocolError(ErrorCode.InvalidParams, 'Invalid params: "inputResponses" must be an object mapping input request keys to results')
    }
    for (const [key, value] of Object.entries(inputResponses)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ProtocolError(ErrorCode.InvalidParams, `Invalid params: inputResponses["${key}"] must be a result object`)
      }
      responses ??= {}
      responses[key] = value
    }
  }
  return responses
}

export function formatMs (ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}
