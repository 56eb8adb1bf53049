/**
 * Thrown by a handler to fail with a message meant for the caller (a person or
 * a model): the tool call becomes a result with `isError: true` and this text.
 * Any other thrown error is reported the same way, but also logged with its
 * stack as a server-side failure.
 */
export class ToolError extends Error {
  override name = 'ToolError'
  /** Optional machine-readable details, returned as `structuredContent`. */
  readonly details: unknown

  constructor (message: string, options?: { details?: unknown, cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined)
    this.details = options?.details
  }
}
