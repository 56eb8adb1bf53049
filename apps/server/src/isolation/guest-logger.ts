/**
 * A pino-shaped logger for code inside an isolated plugin: each line is sent
 * to the host, which writes it through its own logger (with its redaction),
 * so an isolated plugin's logs look like an in-process plugin's.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { GuestMessage } from './messages.ts'

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const

export function guestLogger (post: (message: GuestMessage) => void, bindings: Record<string, unknown> = {}): FastifyBaseLogger {
  const logger: Record<string, unknown> = {
    level: 'trace',
    silent: () => {},
    child: (more: Record<string, unknown>) => guestLogger(post, { ...bindings, ...more }),
    bindings: () => bindings
  }
  for (const level of LEVELS) {
    logger[level] = (...args: unknown[]) => {
      // Errors do not survive structured cloning with their message as a field pino reads: flatten them.
      post({ t: 'logger', level, bindings, args: args.map(plainLogArg) })
    }
  }
  return logger as unknown as FastifyBaseLogger
}

function plainLogArg (arg: unknown): unknown {
  if (arg instanceof Error) return { err: { type: arg.name, message: arg.message, stack: arg.stack } }
  if (arg !== null && typeof arg === 'object' && (arg as { err?: unknown }).err instanceof Error) {
    const err = (arg as { err: Error }).err
    return { ...arg, err: { type: err.name, message: err.message, stack: err.stack } }
  }
  try {
    return structuredClone(arg)
  } catch {
    return String(arg)
  }
}
