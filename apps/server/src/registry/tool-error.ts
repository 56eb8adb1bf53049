/**
 * Thrown by a handler to fail with a message meant for the caller (a person or
 * a model): the tool call becomes a result with `isError: true` and this text.
 * Any other thrown error is reported the same way, but also logged with its
 * stack as a server-side failure.
 */
export class ToolError extends Error {
  override name = 'ToolError'
  /** Optional machine-readable details, returned as the error result's `structuredContent`. */
  readonly details: unknown

  constructor (message: string, options?: { details?: unknown, cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined)
    this.details = options?.details
  }
}

/**
 * Runs `work`, turning the failures a plugin expects (instances of
 * `expected`, its domain error) into ToolErrors with the same message, so
 * the caller reads them; `report` hears each first (to log upstream trouble
 * for operators, say). Anything else propagates: a bug, which the host logs
 * with its stack.
 */
export async function asToolError<T, E extends Error> (
  work: () => T | Promise<T>,
  expected: abstract new (...args: never[]) => E,
  report?: (error: E) => void
): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof expected)) throw error
    report?.(error)
    throw new ToolError(error.message, { cause: error })
  }
}
