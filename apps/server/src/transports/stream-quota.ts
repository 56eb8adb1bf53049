/**
 * Long-lived connections (legacy GET streams, `subscriptions/listen`
 * streams, WebSocket connections) hold a file descriptor each for as long as
 * the client likes. This counts them per client and in total, so one client
 * cannot take every descriptor of the process; a refusal says when to retry.
 */
import { tooManyStreams, type ProtocolError } from '../protocol/errors.ts'
import { RateLimitedWarning } from '../protocol/log-values.ts'

export interface StreamQuotaOptions {
  maxStreams: number
  maxStreamsPerClient: number
  log: { warn (object: object, message: string): void }
}

/** After a refusal, when a client should try again. */
const RETRY_AFTER_MS = 5000

export class StreamQuota {
  readonly #options: StreamQuotaOptions
  readonly #byClient = new Map<string, number>()
  readonly #refusals = new RateLimitedWarning()
  #total = 0

  constructor (options: StreamQuotaOptions) {
    this.#options = options
  }

  get open (): number {
    return this.#total
  }

  /** A release function for the stream, or the error to refuse it with. */
  acquire (clientKey: string, what: string): (() => void) | ProtocolError {
    const own = this.#byClient.get(clientKey) ?? 0
    const { maxStreams, maxStreamsPerClient } = this.#options
    if (own >= maxStreamsPerClient || this.#total >= maxStreams) {
      const perClient = own >= maxStreamsPerClient
      this.#refusals.warn(this.#options.log, { what, open: this.#total, perClient }, 'long-lived connection refused: stream limit reached')
      return tooManyStreams(perClient ? maxStreamsPerClient : maxStreams, perClient, RETRY_AFTER_MS)
    }
    this.#byClient.set(clientKey, own + 1)
    this.#total++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#total--
      const left = (this.#byClient.get(clientKey) ?? 1) - 1
      if (left === 0) this.#byClient.delete(clientKey)
      else this.#byClient.set(clientKey, left)
    }
  }
}
