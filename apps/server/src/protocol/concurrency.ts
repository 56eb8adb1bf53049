/**
 * Per-tool concurrency caps: a tool with `concurrency: n` runs at most n calls
 * at once; the next ones wait in order, a bounded number of them, each at most
 * its time limit, so one slow tool cannot take every worker (or every
 * database connection) while the others go on. Nothing is set up per call
 * for a tool without a cap.
 */
import type { RegisteredTool } from '../registry/registry.ts'
import type { Call } from './call.ts'
import { RateLimitedWarning } from './log-values.ts'
import { formatMs } from './run-handler.ts'

interface Waiter { admit (): void }

export class ToolGate {
  readonly cap: number
  readonly queueMax: number
  running = 0
  readonly #waiting: Waiter[] = []
  readonly #refusals = new RateLimitedWarning()

  constructor (cap: number, queueMax: number) {
    this.cap = cap
    this.queueMax = queueMax
  }

  get waiting (): number { return this.#waiting.length }

  /** Resolves undefined once the call may run, or with the text of the tool error that refuses it. */
  async enter (call: Call, tool: RegisteredTool, waitMs: number): Promise<string | undefined> {
    if (this.running < this.cap) {
      this.running++
      return undefined
    }
    if (this.#waiting.length >= this.queueMax) {
      this.#refusals.warn(call.logger, { tool: tool.name, cap: this.cap, waiting: this.#waiting.length }, 'tool call refused: the tool is at its concurrency cap and its queue is full')
      return `Tool "${tool.name}" is busy: ${this.running} calls are running (its concurrency cap is ${this.cap}) and ${this.#waiting.length} are waiting ` +
        '(the most limits.toolQueueMax allows): try again shortly'
    }
    return await new Promise<string | undefined>((resolve) => {
      const signal = call.signal
      const done = (outcome: string | undefined): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        const at = this.#waiting.indexOf(waiter)
        if (at !== -1) this.#waiting.splice(at, 1)
        resolve(outcome)
      }
      const waiter: Waiter = { admit: () => { this.running++; done(undefined) } }
      const onAbort = (): void => { done(`Tool "${tool.name}" was cancelled while it waited for a free slot (${call.abortReason ?? 'aborted'})`) }
      const timer = setTimeout(() => {
        done(`Tool "${tool.name}" waited ${formatMs(waitMs)} (its time limit) for a free slot and did not run: its ${this.cap} concurrent calls (its concurrency cap) were all busy`)
      }, waitMs)
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiting.push(waiter)
    })
  }

  leave (): void {
    this.running--
    const next = this.#waiting.shift()
    next?.admit()
  }
}

const gates = new WeakMap<RegisteredTool, ToolGate>()

/** The gate of a tool with a concurrency cap (one per registration), undefined for a tool without one. */
export function gateOf (tool: RegisteredTool, queueMax: number): ToolGate | undefined {
  if (tool.concurrency === undefined) return undefined
  let gate = gates.get(tool)
  if (gate === undefined) {
    gate = new ToolGate(tool.concurrency, queueMax)
    gates.set(tool, gate)
  }
  return gate
}
