/**
 * Runs a plugin handler (tool, prompt or resource read) with what every one
 * of them needs: a `ctx`, a time limit, cancellation, and, on the modern era,
 * the multi round-trip (MRTR) bookkeeping that turns `ctx.elicit()` into an
 * InputRequiredResult and a retry back into an answer.
 *
 * This is on the hot path of every tool call, so a run is one object with
 * methods (no per-call closures beyond the promise's executor), and its time
 * limit is an entry in a shared Deadlines list rather than a timer of its own.
 */
import type { RequestContext } from '../registry/types.ts'
import type { Call, Execution } from './call.ts'
import type { RunContext } from './context.ts'
import type { Deadline, DeadlineList } from './deadlines.ts'
import { invalidParams } from './errors.ts'
import { HandlerContext } from './handler-context.ts'
import type { StateBinding } from './request-state.ts'

/**
 * A handler past its time limit. `outcome` says what became of it, as the
 * caller reads it after "timed out after N and": it "was stopped" (it ended
 * once its signal aborted), "was abandoned" (it did not, and may still be
 * running: nothing in-process can stop it), "was not stopped" (it blocked the
 * event loop past its limit, so the limit could not fire), or how the
 * isolation layer stopped it.
 */
export class HandlerTimeout extends Error {
  readonly ms: number
  readonly outcome: string

  constructor (ms: number, outcome = 'was stopped') {
    super(`timed out after ${formatMs(ms)} and ${outcome}`)
    this.ms = ms
    this.outcome = outcome
  }
}

/** How long a handler whose time limit passed has to end after its signal aborts before it is reported abandoned. */
export const STOP_GRACE_MS = 1000

const ABANDONED = 'was abandoned: it did not end when its signal aborted (it ignores ctx.signal), so it may still be running'

function blockedOutcome (ms: number): string {
  return `was not stopped: it ran ${formatMs(ms)} without yielding, holding up every other request, and an in-process handler that does not ` +
    'await cannot be stopped; its result was discarded. Load its plugin isolated (isolate: "worker") to have it stopped at its limit'
}

/** What the isolation layer says about a handler it ended (see isolation/channel.ts). */
function stopNoteOf (error: unknown): string | undefined {
  const note = (error as { stopNote?: unknown } | null)?.stopNote
  return typeof note === 'string' ? note : undefined
}

export class HandlerAborted extends Error {}

export type HandlerOutcome<T> = { value: T } | { inputRequired: Record<string, unknown> }

/** Who owns the handler: a registered tool, prompt, resource or template. */
export interface HandlerOwner {
  readonly owner: string
  /** The handler's own time limit, if it has one. */
  readonly timeoutMs?: number
}

class Run<A, T> implements Execution, Deadline {
  #settled = false
  /** Set when the time limit passed: the handler's signal aborted and it has STOP_GRACE_MS to end. */
  #grace: NodeJS.Timeout | undefined
  resolve!: (outcome: HandlerOutcome<T>) => void
  reject!: (error: unknown) => void
  deadlineAt = 0
  deadlinePrev: Deadline | undefined = undefined
  deadlineNext: Deadline | undefined = undefined
  deadlineList: DeadlineList | undefined = undefined

  readonly core: RunContext
  readonly call: Call
  readonly target: string
  readonly args: A
  readonly timeoutMs: number

  constructor (
    core: RunContext,
    call: Call,
    target: string,
    args: A,
    timeoutMs: number
  ) {
    this.core = core
    this.call = call
    this.target = target
    this.args = args
    this.timeoutMs = timeoutMs
  }

  /** `startedAt`: when the handler was called; a handler whose synchronous part outlasted its limit has timed out. */
  start (pending: T | Promise<T>, startedAt: number): void {
    const blocked = Date.now() - startedAt
    if (blocked > this.timeoutMs) {
      this.call.abort('timeout')
      this.fail(new HandlerTimeout(this.timeoutMs, blockedOutcome(blocked)))
      return
    }
    this.core.deadlines.add(this, this.timeoutMs)
    if (pending instanceof Promise) void this.#await(pending, startedAt)
    else this.#finish({ value: pending })
  }

  async #await (pending: Promise<T>, startedAt: number): Promise<void> {
    let value: T
    try {
      value = await pending
    } catch (error) {
      if (this.#grace !== undefined) this.fail(new HandlerTimeout(this.timeoutMs, stopNoteOf(error) ?? 'was stopped'))
      else this.fail(error)
      return
    }
    if (this.#grace !== undefined) {
      this.fail(new HandlerTimeout(this.timeoutMs, 'was stopped'))
    } else if (this.deadlineList !== undefined && Date.now() > this.deadlineAt) {
      // Past the limit with the limit's timer not yet run: the handler blocked the event loop after an await.
      this.call.abort('timeout')
      this.fail(new HandlerTimeout(this.timeoutMs, blockedOutcome(Date.now() - startedAt)))
    } else {
      this.#finish({ value })
    }
  }

  #finish (outcome: HandlerOutcome<T>): void {
    if (this.#settle()) this.resolve(outcome)
  }

  fail (error: unknown): void {
    if (this.#settle()) this.reject(error)
  }

  /** True the first time: the run is over, its deadline and its link to the call are dropped. */
  #settle (): boolean {
    if (this.#settled) return false
    this.#settled = true
    if (this.#grace !== undefined) clearTimeout(this.#grace)
    this.core.deadlines.remove(this)
    this.call.execution = undefined
    return true
  }

  extend (ms: number): void {
    if (this.#settled) return
    this.core.deadlines.remove(this)
    this.core.deadlines.add(this, ms)
  }

  /**
   * The time limit passed (called by Deadlines): the handler's signal aborts,
   * and the call is answered when the handler ends or STOP_GRACE_MS later,
   * saying which (a handler that ignores its signal is abandoned, not stopped).
   */
  expire (): void {
    if (this.#settled) return
    this.#grace = setTimeout(abandon, STOP_GRACE_MS, this)
    this.call.abort('timeout')
  }

  abandon (): void {
    this.#grace = undefined
    this.fail(new HandlerTimeout(this.timeoutMs, ABANDONED))
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
    const { call, core } = this
    call.abort('input required')
    this.#finish({
      inputRequired: {
        resultType: 'input_required',
        inputRequests: call.inputRequests,
        requestState: core.sealer.seal(bindingOf(call, this.target, this.args), call.inputResponses ?? {}, Object.keys(call.inputRequests ?? {}))
      }
    })
  }
}

function endRound (run: { endRound (): void }): void {
  run.endRound()
}

function abandon (run: { abandon (): void }): void {
  run.abandon()
}

function bindingOf (call: Call, target: string, args: unknown): StateBinding {
  return { method: call.method, target, args, principalId: call.tc.principal?.id }
}

/**
 * Runs `handler(args, ctx)` for `call`. `target` (the tool or prompt name, or
 * the URI) and `args` bind a modern `requestState` to this request.
 */
export function runHandler<A, T> (
  core: RunContext,
  call: Call,
  owner: HandlerOwner,
  target: string,
  args: A,
  handler: (args: A, ctx: RequestContext) => T | Promise<T>
): Promise<HandlerOutcome<T>> {
  if (call.era === 'modern' && (call.params.requestState !== undefined || call.params.inputResponses !== undefined)) {
    // A retry of a multi round-trip request: its state is checked (and claimed) first.
    return gatherInputResponses(core, call, bindingOf(call, target, args)).then((responses) => {
      call.inputResponses = responses
      return run(core, call, owner, target, args, handler)
    })
  }
  return run(core, call, owner, target, args, handler)
}

function run<A, T> (
  core: RunContext,
  call: Call,
  owner: HandlerOwner,
  target: string,
  args: A,
  handler: (args: A, ctx: RequestContext) => T | Promise<T>
): Promise<HandlerOutcome<T>> {
  const execution = new Run<A, T>(core, call, target, args, owner.timeoutMs ?? core.options.handlerTimeoutMs)
  const done = new Promise<HandlerOutcome<T>>((resolve, reject) => {
    execution.resolve = resolve
    execution.reject = reject
  })
  call.execution = execution
  let pending: T | Promise<T>
  const startedAt = Date.now()
  try {
    pending = handler(args, new HandlerContext(call, call.logger, owner.owner))
  } catch (error) {
    call.execution = undefined
    return Promise.reject(error)
  }
  execution.start(pending, startedAt)
  return done
}

/**
 * Answers of earlier rounds (sealed in `requestState`) plus this retry's
 * `inputResponses`, which may only answer the input requests the state says
 * were asked: a client cannot answer a question the server never put (other
 * keys are dropped).
 */
async function gatherInputResponses (core: RunContext, call: Call, binding: StateBinding): Promise<Record<string, unknown> | undefined> {
  const { requestState, inputResponses } = call.params
  if (requestState === undefined) {
    throw invalidParams('"inputResponses" answers the input requests of an input_required result: send it with the "requestState" that result carried')
  }
  if (inputResponses !== undefined && (inputResponses === null || typeof inputResponses !== 'object' || Array.isArray(inputResponses))) {
    throw invalidParams('"inputResponses" must be an object mapping input request keys to results')
  }
  const opened = core.sealer.open(requestState, binding)
  // No prototype: keys come from the client ("__proto__" is just a key here).
  const responses: Record<string, unknown> = Object.assign(Object.create(null), opened.responses)
  for (const [key, value] of Object.entries((inputResponses ?? {}) as Record<string, unknown>)) {
    // An answer to a question this round did not ask is ignored (the spec's SHOULD): the
    // handler never sees it, and whatever is still unanswered is asked again.
    if (!opened.asked.includes(key)) continue
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw invalidParams(`inputResponses["${key}"] must be a result object`)
    }
    responses[key] = value
  }
  // Claimed last: a retry refused for its own mistakes leaves the state usable.
  await core.sealer.claim(opened)
  return responses
}

export function formatMs (ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}
