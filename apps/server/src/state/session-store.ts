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
  /** Who the session counts against (the principal, else the client's address): the per-client quota. */
  clientKey: string
  createdAt: number
}

/** A refused `create`: the store is full of sessions that are in use; one may free up in `retryAfterMs`. */
export interface SessionRefusal {
  retryAfterMs: number
  /** The client's own quota is full of held sessions (rather than the whole store). */
  perClient?: boolean
}

/**
 * Why a session ended: idle past its timeout, evicted to make room for its
 * client's newer one, deleted (the client's DELETE, its connection closed),
 * or the store closed.
 */
export type SessionEndReason = 'expired' | 'evicted' | 'deleted' | 'closed'

export type SessionEndListener = (id: string, reason?: SessionEndReason) => void

export interface SessionStore {
  /**
   * Stores a new session. A client at its quota makes room by losing its own
   * least recently used idle session; a store at its cap refuses.
   */
  create (session: SessionData): Promise<true | SessionRefusal>
  /** The session, refreshing its idle timer; undefined when unknown, expired or deleted. */
  get (id: string): Promise<SessionData | undefined>
  update (id: string, patch: Partial<Omit<SessionData, 'id'>>): Promise<void>
  /** `true` when the session existed. */
  delete (id: string): Promise<boolean>
  /** A held session (an open notification stream or socket) neither expires nor is evicted until released. */
  hold (id: string, held: boolean): Promise<void>
  /**
   * Called with the id of every session that expires or is deleted (on this
   * instance's store view), and why when the store knows it (for the logs).
   */
  onEnd (listener: SessionEndListener): void
  close (): Promise<void>
}

export interface MemorySessionStoreOptions {
  /** A session unused for this long is dropped. */
  idleTimeoutMs: number
  maxSessions: number
  /** Sessions one client (principal or address) may hold; its least recently used idle one makes room. */
  maxSessionsPerClient: number
  /** A session that never saw a second request expires this soon (clients that open sessions and walk away). */
  unconfirmedIdleMs: number
}

interface Entry {
  data: SessionData
  lastSeen: number
  /** A second request came: the client uses the session. */
  confirmed: boolean
  held: boolean
}

/** An in-process store: one instance, or sticky load balancing. */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Entry>()
  /** Session ids by client, in creation order. */
  readonly #byClient = new Map<string, Set<string>>()
  readonly #listeners: SessionEndListener[] = []
  readonly #options: MemorySessionStoreOptions
  readonly #sweeper: NodeJS.Timeout

  constructor (options: MemorySessionStoreOptions) {
    this.#options = options
    const every = Math.max(1000, Math.min(60_000, Math.floor(Math.min(options.idleTimeoutMs, options.unconfirmedIdleMs) / 2)))
    this.#sweeper = setInterval(() => this.#sweep(), every).unref()
  }

  get size (): number {
    return this.#sessions.size
  }

  async create (session: SessionData): Promise<true | SessionRefusal> {
    const own = this.#byClient.get(session.clientKey)
    if (own !== undefined && own.size >= this.#options.maxSessionsPerClient) {
      const victim = this.#leastRecentlyUsedIdle(own)
      if (victim === undefined) return { retryAfterMs: this.#options.unconfirmedIdleMs, perClient: true }
      this.#end(victim, 'evicted')
    }
    if (this.#sessions.size >= this.#options.maxSessions) this.#sweep()
    if (this.#sessions.size >= this.#options.maxSessions) return { retryAfterMs: this.#nextExpiryIn() }
    this.#sessions.set(session.id, { data: session, lastSeen: Date.now(), confirmed: false, held: false })
    let ids = this.#byClient.get(session.clientKey)
    if (ids === undefined) this.#byClient.set(session.clientKey, (ids = new Set()))
    ids.add(session.id)
    return true
  }

  async get (id: string): Promise<SessionData | undefined> {
    const entry = this.#sessions.get(id)
    if (entry === undefined) return undefined
    const now = Date.now()
    if (this.#expired(entry, now)) {
      this.#end(id, 'expired')
      return undefined
    }
    entry.lastSeen = now
    entry.confirmed = true
    return entry.data
  }

  async hold (id: string, held: boolean): Promise<void> {
    const entry = this.#sessions.get(id)
    if (entry === undefined) return
    entry.held = held
    entry.lastSeen = Date.now()
  }

  async update (id: string, patch: Partial<Omit<SessionData, 'id'>>): Promise<void> {
    const entry = this.#sessions.get(id)
    if (entry !== undefined) entry.data = { ...entry.data, ...patch }
  }

  async delete (id: string): Promise<boolean> {
    return this.#end(id, 'deleted')
  }

  onEnd (listener: SessionEndListener): void {
    this.#listeners.push(listener)
  }

  async close (): Promise<void> {
    clearInterval(this.#sweeper)
    for (const id of [...this.#sessions.keys()]) this.#end(id, 'closed')
  }

  #end (id: string, reason: SessionEndReason): boolean {
    const entry = this.#sessions.get(id)
    if (entry === undefined) return false
    this.#sessions.delete(id)
    const ids = this.#byClient.get(entry.data.clientKey)
    ids?.delete(id)
    if (ids?.size === 0) this.#byClient.delete(entry.data.clientKey)
    for (const listener of this.#listeners) listener(id, reason)
    return true
  }

  #idleLimit (entry: Entry): number {
    return entry.confirmed ? this.#options.idleTimeoutMs : Math.min(this.#options.unconfirmedIdleMs, this.#options.idleTimeoutMs)
  }

  #expired (entry: Entry, now: number): boolean {
    return !entry.held && now - entry.lastSeen > this.#idleLimit(entry)
  }

  #leastRecentlyUsedIdle (ids: Set<string>): string | undefined {
    let victim: string | undefined
    let oldest = Infinity
    for (const id of ids) {
      const entry = this.#sessions.get(id)
      if (entry !== undefined && !entry.held && entry.lastSeen < oldest) {
        oldest = entry.lastSeen
        victim = id
      }
    }
    return victim
  }

  /** How long until the first idle session expires (the Retry-After of a full store). */
  #nextExpiryIn (): number {
    const now = Date.now()
    let soonest = this.#options.idleTimeoutMs
    for (const entry of this.#sessions.values()) {
      if (!entry.held) soonest = Math.min(soonest, entry.lastSeen + this.#idleLimit(entry) - now)
    }
    return Math.max(1000, soonest)
  }

  #sweep (): void {
    const now = Date.now()
    for (const [id, entry] of this.#sessions) {
      if (this.#expired(entry, now)) this.#end(id, 'expired')
    }
  }
}
