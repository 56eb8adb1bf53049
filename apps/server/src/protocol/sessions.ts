/**
 * Legacy sessions as the protocol core sees them: the shared data from the
 * SessionStore plus what only this process can hold for a session (its open
 * notification channel, requests in flight, server-to-client requests waiting
 * for an answer), and the fan-out of change notifications to them.
 */
import { randomUUID } from 'node:crypto'
import type { ChangeEvent } from '../state/event-bus.ts'
import type { SessionData, SessionStore } from '../state/session-store.ts'
import type { JsonRpcMessage, RequestId } from './jsonrpc.ts'
import { LIST_CHANGED, RESOURCE_UPDATED } from './notifications.ts'

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

export class Session {
  /** Where messages unrelated to a request go: the HTTP GET stream, or the WebSocket. */
  channel: ((message: JsonRpcMessage) => void) | undefined
  /** Requests of this session in flight on this instance, for `notifications/cancelled`. */
  readonly inFlight = new Map<RequestId, InFlightCall>()
  /** Server-to-client requests waiting for the client's response. */
  readonly pending = new Map<RequestId, PendingRequest>()
  /** Transport resources to release when the session ends (open streams). */
  readonly closers = new Set<() => void>()
  #nextRequestId = 0

  /** `stored`: kept in the SessionStore (HTTP); otherwise bound to one connection (WebSocket). */
  data: SessionData
  readonly stored: boolean

  constructor (data: SessionData, stored: boolean) {
    this.data = data
    this.stored = stored
  }

  get id (): string {
    return this.data.id
  }

  nextRequestId (): string {
    return `s-${++this.#nextRequestId}`
  }

  /** Ends everything local: in-flight calls are aborted, waiting requests rejected. */
  end (): void {
    for (const call of this.inFlight.values()) call.abort('session ended')
    for (const pending of this.pending.values()) pending.reject(new Error('The session ended'))
    this.pending.clear()
    this.channel = undefined
    for (const close of this.closers) close()
    this.closers.clear()
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

  async create (data: Omit<SessionData, 'id' | 'createdAt'>): Promise<Session | undefined> {
    const full: SessionData = { ...data, id: randomUUID(), createdAt: Date.now() }
    if (!(await this.store.create(full))) return undefined
    const session = new Session(full, true)
    this.#local.set(full.id, session)
    return session
  }

  /**
   * A session bound to one connection (WebSocket): it lives exactly as long as
   * the connection, so it is neither stored nor reachable by id.
   */
  createLocal (data: Omit<SessionData, 'id' | 'createdAt'>): Session {
    const session = new Session({ ...data, id: randomUUID(), createdAt: Date.now() }, false)
    this.#local.set(session.id, session)
    return session
  }

  /** The connection of a connection-bound session closed. */
  release (session: Session): void {
    this.#local.delete(session.id)
    session.end()
  }

  /** The session for an id, or undefined when it is unknown, expired or deleted (HTTP 404). */
  async get (id: string): Promise<Session | undefined> {
    const data = await this.store.get(id)
    let session = this.#local.get(id)
    if (data === undefined) {
      // Ended where this instance could not hear it (another instance, a shared store's expiry): free what is local.
      if (session?.stored === true) this.release(session)
      return undefined
    }
    if (session !== undefined && !session.stored) return undefined
    if (session === undefined) {
      // Created by another instance: this one holds no local state for it yet.
      session = new Session(data, true)
      this.#local.set(id, session)
    } else {
      session.data = data
    }
    return session
  }

  async update (session: Session, patch: Partial<Omit<SessionData, 'id'>>): Promise<void> {
    session.data = { ...session.data, ...patch }
    if (session.stored) await this.store.update(session.id, patch)
  }

  async delete (id: string): Promise<boolean> {
    return await this.store.delete(id)
  }

  /** Ends every open notification stream (shutdown); sessions themselves stay in the store. */
  closeStreams (): void {
    for (const session of this.#local.values()) {
      for (const close of session.closers) close()
      session.closers.clear()
      session.channel = undefined
    }
  }

  /** Sessions with state on this instance (observability and tests). */
  local (): IterableIterator<Session> {
    return this.#local.values()
  }

  /** Legacy sessions on this instance hear list changes on their channel, and updates of the resources they subscribed to. */
  deliver (event: ChangeEvent): void {
    for (const session of this.#local.values()) {
      if (session.channel === undefined) continue
      if (event.type === 'listChanged') {
        session.channel({ jsonrpc: '2.0', method: LIST_CHANGED[event.list] })
      } else if (session.data.subscriptions.includes(event.uri)) {
        session.channel({ jsonrpc: '2.0', method: RESOURCE_UPDATED, params: { uri: event.uri } })
      }
    }
  }
}
