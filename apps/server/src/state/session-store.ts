/**
 * Legacy-era (2025-11-25 and earlier) session state that must survive between
 * requests, possibly served by different instances. Only plain data lives here;
 * what is bound to one process (open streams, waiting promises) stays in the
 * protocol core's local session runtime.
 */
import type { LoggingLevel } from '../registry/types.ts'

export interface SessionData {
  id: string
  protocolVersion: string
  clientInfo: { name?: string, version?: string } | undefined
  clientCapabilities: Record<string, unknown>
  /** `logging/setLevel`; unset means every level. */
  logLevel: LoggingLevel | undefined
  /** URIs from `resources/subscribe`. */
  subscriptions: string[]
  /** The principal that created the session; requests from anyone else are refused. */
  principalId: string | undefined
  createdAt: number
}

export interface SessionStore {
  /** Stores a new session; `false` when the store is at its session cap. */
  create (session: SessionData): Promise<boolean>
  /** The session, refreshing its idle timer; undefined when unknown, expired or deleted. */
  get (id: string): Promise<SessionData | undefined>
  update (id: string, patch: Partial<Omit<SessionData, 'id'>>): Promise<void>
  /** `true` when the session existed. */
  delete (id: string): Promise<boolean>
  /** Called with the id of every session that expires or is deleted (on this instance's store view). */
  onEnd (listener: (id: string) => void): void
  close (): Promise<void>
}

export interface MemorySessionStoreOptions {
  /** A session unused for this long is dropped. */
  idleTimeoutMs: number
  maxSessions: number
}

/** An in-process store: one instance, or sticky load balancing. */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, { data: SessionData, lastSeen: number }>()
  readonly #listeners: Array<(id: string) => void> = []
  readonly #options: MemorySessionStoreOptions
  readonly #sweeper: NodeJS.Timeout

  constructor (options: MemorySessionStoreOptions) {
    this.#options = options
    const every = Math.max(1000, Math.min(60_000, Math.floor(options.idleTimeoutMs / 2)))
    this.#sweeper = setInterval(() => this.#sweep(), every).unref()
  }

  get size (): number {
    return this.#sessions.size
  }

  async create (session: SessionData): Promise<boolean> {
    if (this.#sessions.size >= this.#options.maxSessions) this.#sweep()
    if (this.#sessions.size >= this.#options.maxSessions) return false
    this.#sessions.set(session.id, { data: session, lastSeen: Date.now() })
    return true
  }

  async get (id: string): Promise<SessionData | undefined> {
    const entry = this.#sessions.get(id)
    if (entry === undefined) return undefined
    const now = Date.now()
    if (now - entry.lastSeen > this.#options.idleTimeoutMs) {
      this.#end(id)
      return undefined
    }
    entry.lastSeen = now
    return entry.data
  }

  async update (id: string, patch: Partial<Omit<SessionData, 'id'>>): Promise<void> {
    const entry = this.#sessions.get(id)
    if (entry !== undefined) entry.data = { ...entry.data, ...patch }
  }

  async delete (id: string): Promise<boolean> {
    return this.#end(id)
  }

  onEnd (listener: (id: string) => void): void {
    this.#listeners.push(listener)
  }

  async close (): Promise<void> {
    clearInterval(this.#sweeper)
    for (const id of [...this.#sessions.keys()]) this.#end(id)
  }

  #end (id: string): boolean {
    if (!this.#sessions.delete(id)) return false
    for (const listener of this.#listeners) listener(id)
    return true
  }

  #sweep (): void {
    const oldest = Date.now() - this.#options.idleTimeoutMs
    for (const [id, entry] of this.#sessions) {
      if (entry.lastSeen < oldest) this.#end(id)
    }
  }
}
