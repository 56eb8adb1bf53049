/**
 * Fastify's `childLoggerFactory` for the standalone server: a request's
 * logger becomes a real pino child (with the request id bound) only when
 * something is logged at an enabled level. Fastify makes a child for every
 * request, and most requests log nothing at the default level: making pino
 * children (serializing their bindings) was a steady per-request cost.
 * A route with its own log level gets a real child at once.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type Parent = FastifyBaseLogger & { isLevelEnabled (level: string): boolean }

class LazyChildLogger {
  readonly #parent: Parent
  readonly #bindings: Bindings
  readonly #options: ChildLoggerOptions
  #child: FastifyBaseLogger | undefined

  constructor (parent: Parent, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent
    this.#bindings = bindings
    this.#options = options
  }

  #real (): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options)
    return this.#child
  }

  #log (level: Level, args: unknown[]): void {
    if (this.#child === undefined && !this.#parent.isLevelEnabled(level)) return
    (this.#real()[level] as (...values: unknown[]) => void)(...args)
  }

  get level (): string { return (this.#child ?? this.#parent).level }
  set level (level: string) { this.#real().level = level }
  isLevelEnabled (level: string): boolean { return this.#child !== undefined ? (this.#child as Parent).isLevelEnabled(level) : this.#parent.isLevelEnabled(level) }
  fatal (...args: unknown[]): void { this.#log('fatal', args) }
  error (...args: unknown[]): void { this.#log('error', args) }
  warn (...args: unknown[]): void { this.#log('warn', args) }
  info (...args: unknown[]): void { this.#log('info', args) }
  debug (...args: unknown[]): void { this.#log('debug', args) }
  trace (...args: unknown[]): void { this.#log('trace', args) }
  silent (): void {}
  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger { return this.#real().child(bindings, options) }
  bindings (): Bindings { return (this.#real() as FastifyBaseLogger & { bindings (): Bindings }).bindings() }
}

export function lazyChildLogger (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const parent = logger as Parent
  if (options.level !== undefined || typeof parent.isLevelEnabled !== 'function') return logger.child(bindings, options)
  return new LazyChildLogger(parent, bindings, options) as unknown as FastifyBaseLogger
}
