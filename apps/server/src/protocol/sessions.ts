/**
 * Legacy sessions as the protocol core sees them: the shared data from the
 * SessionStore plus what only this process can hold for a session (its open
 * notification channel, requests in flight, server-to-client requests waiting
 * for an answer), and the fan-out of change notifications to them.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { ChangeEvent } from '../state/event-bus.ts'
import type { SessionData, SessionRefusal, SessionStore } from '../state/session-store.ts'
import type { JsonRpcMessage, RequestId } from './jsonrpc.ts'
import { LIST_CHANGED, RESOURCE_UPDATED } from './notifications.ts'
import { ProtocolError, stateUnavailable } from './errors.ts'
import { InFlightCalls } from './in-flight.ts'

/** Tells this process's server-to-client request ids from those of other instances serving the same session. */
const INSTANCE_TAG = randomBytes(3).toString('hex')

/** A request in flight, as far as its session or connection needs to know it. */
export interface InFlightCall {
  /** Stops the request; it still answers (an error or a cancelled result). */
  abort (reason: string): void
  /** The client cancelled: stop, and send nothing back. */
  cancel (reason: string): void
}

export interface PendingRequest {
  resolve (result: Record<string, unknown>): void
  reject (error: Error): void
}

/**
 * A session is its own table of requests in flight (on this instance, for
 * `notifications/cancelled`): one object less per session than holding one.
 */
export class Session extends InFlightCalls<InFlightCall> {
  /** Where messages unrelated to a request go: the HTTP GET stream, or the WebSocket. */
  channel: ((message: JsonRpcMessage) => void) | undefined
  // Made on first use: an idle session holds no Map or Set (memory per idle session).
  #pending: Map<RequestId, PendingRequest> | undefined
  #closers: Set<() => void> | undefined
  #nextRequestId = 0

  /** Server-to-client requests waiting for the client's response. */
  get pending (): Map<RequestId, PendingRequest> {
    this.#pending ??= new Map()
    return this.#pending
  }

  /** Transport resources to release when the session ends (open streams). */
  get closers (): Set<() => void> {
    this.#closers ??= new Set()
    return this.#closers
  }

  data: SessionData
  /**
   * Bound to one connection (WebSocket): it lives exactly as long as the
   * connection and is not reachable by id; it is in the store all the same,
   * so it counts against the session cap and the client's quota.
   */
  readonly bound: boolean

  constructor (data: SessionData, bound: boolean) {
    super()
    this.data = data
    this.bound = bound
  }

  /** Requests of this session in flight on this instance: the session itself. */
  get inFlight (): InFlightCalls<InFlightCall> {
    return this
  }

  get id (): string {
    return this.data.id
  }

  /** Unique across instances: the answer may be POSTed to another one, which relays it here by this id. */
  nextRequestId (): string {
    return `s-${INSTANCE_TAG}-${++this.#nextRequestId}`
  }

  /** Ends everything local: in-flight calls are aborted, waiting requests rejected. */
  end (): void {
    for (const call of [...this.inFlight.values()]) call.abort('session ended')
    const pending = this.#pending
    this.#pending = undefined
    if (pending !== undefined) for (const request of pending.values()) request.reject(new Error('The session ended'))
    this.channel = undefined
    const closers = this.#closers
    this.#closers = undefined
    if (closers !== undefined) for (const close of closers) close()
  }
}

export class Sessions {
  readonly #local = new Map<string, Session>()

  readonly store: SessionStore

  constructor (store: SessionStore) {
    this.store = store
    store.onEnd((id) => {
      const session = this.#local.get(id)
      if (session === undefined) return
      this.#local.delete(id)
      session.end()
    })
  }

  /** A new session reachable by id (HTTP), or the store's refusal. */
  async create (data: Omit<SessionData, 'id' | 'createdAt'>): Promise<Session | SessionRefusal> {
    const full = sessionData(data)
    const stored = await reach(this.store.create(full))
    if (stored !== true) return stored
    const session = new Session(full, false)
    this.#local.set(full.id, session)
    return session
  }

  /**
   * A session bound to one connection (WebSocket). It exists at once, so
   * requests pipelined behind `initialize` belong to it; `admit` then counts
   * it in the store (held while the connection is open), or refuses it.
   */
  createBound (data: Omit<SessionData, 'id' | 'createdAt'>): Session {
    const session = new Session(sessionData(data), true)
    this.#local.set(session.id, session)
    return session
  }

  async admit (session: Session): Promise<true | SessionRefusal> {
    const stored = await reach(this.store.create(session.data))
    if (stored !== true) {
      this.#local.delete(session.id)
      session.end()
      return stored
    }
    await reach(this.store.hold(session.id, true))
    return true
  }

  /** An open notification stream keeps its session alive (and out of eviction) until it closes. */
  async hold (session: Session, held: boolean): Promise<void> {
    // Callers do not wait for this; a store that is down misses one hold, and the session may expire.
    await this.store.hold(session.id, held).catch(() => {})
  }

  /** The connection of a connection-bound session closed, or a stored session ended elsewhere. */
  release (session: Session): void {
    this.#local.delete(session.id)
    session.end()
    if (session.bound) this.store.delete(session.id).catch(() => {})
  }

  /** The session for an id, or undefined when it is unknown, expired or deleted (HTTP 404). */
  async get (id: string): Promise<Session | undefined> {
    // A try around the await rather than reach(): one promise less on every legacy request.
    let data: SessionData | undefined
    try {
      data = await this.store.get(id)
    } catch (error) {
      unreachable(error)
    }
    let session = this.#local.get(id)
    if (data === undefined) {
      // Ended where this instance could not hear it (another instance, a shared store's expiry): free what is local.
      if (session !== undefined && !session.bound) this.release(session)
      return undefined
    }
    if (session?.bound === true) return undefined
    if (session === undefined) {
      // Created by another instance: this one holds no local state for it yet.
      session = new Session(data, false)
      this.#local.set(id, session)
    } else {
      session.data = data
    }
    return session
  }

  async update (session: Session, patch: Partial<Omit<SessionData, 'id'>>): Promise<void> {
    session.data = { ...session.data, ...patch }
    await reach(this.store.update(session.id, patch))
  }

  async delete (id: string): Promise<boolean> {
    return await reach(this.store.delete(id))
  }

  /** Ends every open notification stream (shutdown); sessions themselves stay in the store. */
  closeStreams (): void {
    for (const session of this.#local.values()) {
      for (const close of session.closers) close()
      session.closers.clear()
      session.channel = undefined
    }
  }

  /** The session's state on this instance, if it has any (no store lookup). */
  localSession (id: string): Session | undefined {
    return this.#local.get(id)
  }

  /** Sessions with state on this instance (observability and tests). */
  local (): IterableIterator<Session> {
    return this.#local.values()
  }

  /** Legacy sessions on this instance hear list changes on their channel, and updates of the resources they subscribed to. */
  deliver (event: ChangeEvent): void {
    for (const session of this.#local.values()) {
      // Task notifications are a 2026-07-28 extension: legacy sessions get none.
      if (session.channel === undefined || event.type === 'task') continue
      if (event.type === 'listChanged') {
        session.channel({ jsonrpc: '2.0', method: LIST_CHANGED[event.list] })
      } else if (session.bound) {
        if (session.data.subscriptions.includes(event.uri)) session.channel({ jsonrpc: '2.0', method: RESOURCE_UPDATED, params: { uri: event.uri } })
      } else {
        void this.#deliverUpdate(session, event.uri)
      }
    }
  }

  /**
   * A session reachable by id may have subscribed through another instance
   * since this one last read it: its subscriptions are read afresh (a map
   * lookup in memory; one round trip to a shared store).
   */
  async #deliverUpdate (session: Session, uri: string): Promise<void> {
    try {
      const data = await this.store.get(session.id)
      if (data !== undefined) session.data = data
    } catch {
      // The store is unreachable: go by what this instance knows.
    }
    if (session.data.subscriptions.includes(uri)) session.channel?.({ jsonrpc: '2.0', method: RESOURCE_UPDATED, params: { uri } })
  }
}

/** A new session's data as one literal of fixed shape (a spread copy is larger: its properties spill out of the object). */
function sessionData (data: Omit<SessionData, 'id' | 'createdAt'>): SessionData {
  return {
    id: randomUUID(),
    protocolVersion: data.protocolVersion,
    clientInfo: data.clientInfo,
    clientCapabilities: data.clientCapabilities,
    logLevel: data.logLevel,
    subscriptions: data.subscriptions,
    principalId: data.principalId,
    clientKey: data.clientKey,
    createdAt: Date.now()
  }
}

/**
 * A store that cannot be reached (Redis down) is a retryable 503 for the client, not an internal error.
 * A `.catch` rather than an async wrapper: every legacy request reaches the store, and this allocates no async function state.
 */
function reach<T> (operation: Promise<T>): Promise<T> {
  return operation.catch(unreachable)
}

function unreachable (error: unknown): never {
  throw error instanceof ProtocolError ? error : stateUnavailable()
}
