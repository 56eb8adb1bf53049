/**
 * The `ctx` a plugin handler receives: a narrow view of the Call, the same
 * whatever the era or transport (elicitation and sampling pick the era's way
 * of asking the client).
 */
import type { FastifyBaseLogger } from 'fastify'
import type {
  ElicitRequest, ElicitResult, LoggingLevel, Principal, RequestContext, Root, SampleRequest, SampleResult
} from '../registry/types.ts'
import type { Call } from './call.ts'
import { invalidClientAnswer } from './errors.ts'

export class HandlerContext implements RequestContext {
  readonly #call: Call
  readonly #parentLogger: FastifyBaseLogger
  readonly #owner: string
  #logger: FastifyBaseLogger | undefined

  constructor (call: Call, parentLogger: FastifyBaseLogger, owner: string) {
    this.#call = call
    this.#parentLogger = parentLogger
    this.#owner = owner
  }

  /** Created on first use: most calls never log. */
  get logger (): FastifyBaseLogger {
    return (this.#logger ??= this.#parentLogger.child({ plugin: this.#owner }))
  }

  get signal (): AbortSignal {
    return this.#call.signal
  }

  get principal (): Principal | undefined {
    return this.#call.tc.principal
  }

  get client (): string {
    return this.#call.tc.clientKey
  }

  progress (progress: number, total?: number, message?: string): void {
    this.#call.progress(progress, total, message)
  }

  log (level: LoggingLevel, data: unknown, logger?: string): void {
    this.#call.log(level, data, logger)
  }

  async elicit (request: ElicitRequest): Promise<ElicitResult> {
    const params: Record<string, unknown> = this.#call.era === 'modern'
      ? { mode: 'form', message: request.message, requestedSchema: request.requestedSchema }
      : { message: request.message, requestedSchema: request.requestedSchema }
    const result = await this.#call.requestInput('elicitation/create', params, 'elicitation', request.key)
    if (result.action !== 'accept' && result.action !== 'decline' && result.action !== 'cancel') {
      throw invalidClientAnswer('elicitation answer has no valid "action" (accept, decline or cancel)')
    }
    return result as unknown as ElicitResult
  }

  async sample (request: SampleRequest): Promise<SampleResult> {
    const { key, ...params } = request
    const result = await this.#call.requestInput('sampling/createMessage', params, 'sampling', key)
    if (typeof result.content !== 'object' || result.content === null) {
      throw invalidClientAnswer('sampling answer has no "content"')
    }
    return result as unknown as SampleResult
  }

  async listRoots (options: { key?: string } = {}): Promise<{ roots: Root[] }> {
    const result = await this.#call.requestInput('roots/list', {}, 'roots', options.key)
    if (!Array.isArray(result.roots)) throw invalidClientAnswer('roots/list answer has no "roots" array')
    return result as unknown as { roots: Root[] }
  }

  /** Legacy HTTP: free the connection now; the client resumes the stream later (SSE polling). */
  pollLater (retryMs = 1000): boolean {
    return this.#call.tc.pollLater?.(retryMs) ?? false
  }
}
