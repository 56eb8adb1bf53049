/**
 * Runs a plugin handler (tool, prompt or resource read) with what every one
 * of them needs: a `ctx`, a time limit, cancellation, and, on the modern era,
 * the multi round-trip (MRTR) bookkeeping that turns `ctx.elicit()` into an
 * InputRequiredResult and a retry back into an answer.
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
  /** Binds a modern `requestState` to this request. */
  target: string
  args: unknown
}

export async function runHandler<T> (
  core: ProtocolCore,
  call: Call,
  run: HandlerRun,
  handler: (ctx: RequestContext) => T | Promise<T>
): Promise<HandlerOutcome<T>> {
  const binding: StateBinding | undefined = call.era === 'modern'
    ? { method: call.method, target: run.target, args: run.args, principalId: call.tc.principal?.id }
    : undefined
  if (binding !== undefined) call.inputResponses = gatherInputResponses(core, call, binding)

  const ctx = new HandlerContext(call, call.logger, run.owner)
  const timeoutMs = run.timeoutMs ?? core.options.handlerTimeoutMs

  return await new Promise<HandlerOutcome<T>>((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      call.abort('timeout')
      reject(new HandlerTimeout(timeoutMs))
    }, timeoutMs)
    const settle = () => {
      settled = true
      clearTimeout(timer)
    }

    if (binding !== undefined) {
      // Collect every input request the handler makes in this turn of the event loop, then end the round.
      call.onInputRequired = () => setImmediate(() => {
        if (settled) return
        settle()
        call.abort('input required')
        resolve({
          inputRequired: {
            resultType: 'input_required',
            inputRequests: call.inputRequests,
            requestState: core.sealer.seal(binding, call.inputResponses ?? {})
          }
        })
      })
    }
    // Cancellation and shutdown stop the wait at once; the handler sees its signal abort.
    call.onAbort = (reason) => {
      if (settled || reason === 'timeout' || reason === 'input required') return
      settle()
      reject(new HandlerAborted(reason))
    }

    let pending: T | Promise<T>
    try {
      pending = handler(ctx)
    } catch (error) {
      settle()
      reject(error)
      return
    }
    Promise.resolve(pending).then(
      (value) => { if (!settled) { settle(); resolve({ value }) } },
      (error) => { if (!settled) { settle(); reject(error) } }
    )
  })
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
