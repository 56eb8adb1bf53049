/**
 * Legacy sessions in Redis, for instances behind a load balancer without
 * sticky sessions: any instance serves any session, the cap and the
 * per-client quota hold across all of them, and a session deleted, evicted
 * or expired on one instance ends on every instance (its id is announced on
 * a channel, and each instance frees what it holds locally).
 *
 * The same rules as MemorySessionStore, with one difference of detail: the
 * over-quota client loses the session closest to expiry (so a session that
 * never saw a second request goes before an older one in use).
 * Single-node Redis (or a primary with replicas), not Redis Cluster: the
 * scripts touch keys they compute.
 */
import type { SessionData, SessionEndListener, SessionRefusal, SessionStore } from '../session-store.ts'
import { defineScript, type RedisConnections, type Script } from './connection.ts'
import { CREATE, DELETE, GET, HOLD, SWEEP, UPDATE } from './session-scripts.ts'

export interface RedisSessionStoreOptions {
  /** Key prefix, e.g. `mcp:` (several deployments may share one Redis). */
  prefix: string
  idleTimeoutMs: number
  maxSessions: number
  maxSessionsPerClient: number
  unconfirmedIdleMs: number
  /**
   * How long a hold lasts unless renewed: the holding instance renews it at
   * a third of this, so a session held by an instance that died expires
   * normally soon after.
   */
  holdLeaseMs?: number
}

type ScriptResult = [number, unknown, number]

const FIELDS = ['protocolVersion', 'clientInfo', 'clientCapabilities', 'logLevel', 'subscriptions', 'principalId', 'clientKey', 'createdAt'] as const

export class RedisSessionStore implements SessionStore {
  readonly #redis: RedisConnections
  readonly #options: Required<RedisSessionStoreOptions>
  readonly #channel: string
  readonly #listeners: SessionEndListener[] = []
  /** Sessions this instance holds: their leases are renewed here. */
  readonly #held = new Set<string>()
  readonly #timers: NodeJS.Timeout[]
  readonly #unlisten: () => void
  readonly #scripts: Record<'create' | 'get' | 'update' | 'delete' | 'hold' | 'sweep', Script>

  constructor (redis: RedisConnections, options: RedisSessionStoreOptions) {
    this.#redis = redis
    this.#options = { holdLeaseMs: 30_000, ...options }
    this.#channel = `${options.prefix}sessions:ended`
    const { command } = redis
    this.#scripts = {
      create: defineScript(command, 'mcpSessionCreate', CREATE),
      get: defineScript(command, 'mcpSessionGet', GET),
      update: defineScript(command, 'mcpSessionUpdate', UPDATE),
      delete: defineScript(command, 'mcpSessionDelete', DELETE),
      hold: defineScript(command, 'mcpSessionHold', HOLD),
      sweep: defineScript(command, 'mcpSessionSweep', SWEEP)
    }
    this.#unlisten = redis.listen(this.#channel, (id) => {
      this.#held.delete(id)
      for (const listener of this.#listeners) listener(id)
    })
    const sweepEvery = Math.max(1000, Math.min(30_000, Math.floor(Math.min(options.idleTimeoutMs, options.unconfirmedIdleMs) / 2)))
    this.#timers = [
      setInterval(() => { void this.#sweep() }, sweepEvery).unref(),
      setInterval(() => { void this.#renewHolds() }, Math.max(100, Math.floor(this.#options.holdLeaseMs / 3))).unref()
    ]
  }

  async create (session: SessionData): Promise<true | SessionRefusal> {
    const { prefix, unconfirmedIdleMs, maxSessions, maxSessionsPerClient } = this.#options
    const [status, ended, retryAfterMs] = await this.#scripts.create(
      prefix, session.id, session.clientKey, Date.now(), unconfirmedIdleMs, maxSessions, maxSessionsPerClient, ...encode(session)
    ) as ScriptResult
    this.#announce(ended as string[])
    if (status === 1) return true
    return status === -1 ? { retryAfterMs, perClient: true } : { retryAfterMs }
  }

  async get (id: string): Promise<SessionData | undefined> {
    const [status, value] = await this.#scripts.get(this.#options.prefix, id, Date.now(), this.#options.idleTimeoutMs) as [number, unknown]
    if (status === -1) this.#announce([value as string])
    if (status !== 1) return undefined
    return decode(id, value as string[])
  }

  async update (id: string, patch: Partial<Omit<SessionData, 'id'>>): Promise<void> {
    const fields = encode(patch)
    if (fields.length > 0) await this.#scripts.update(this.#options.prefix, id, ...fields)
  }

  async delete (id: string): Promise<boolean> {
    const existed = await this.#scripts.delete(this.#options.prefix, id) as number
    if (existed === 1) this.#announce([id])
    return existed === 1
  }

  async hold (id: string, held: boolean): Promise<void> {
    if (held) this.#held.add(id)
    else this.#held.delete(id)
    await this.#hold([id], held)
  }

  onEnd (listener: SessionEndListener): void {
    this.#listeners.push(listener)
  }

  /** Sessions stay in Redis for the other instances; this one only stops renewing its holds. */
  async close (): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer)
    this.#unlisten()
    const held = [...this.#held]
    this.#held.clear()
    if (held.length > 0) await this.#hold(held, false).catch(() => {})
  }

  async #hold (ids: string[], held: boolean): Promise<void> {
    const { prefix, holdLeaseMs, idleTimeoutMs, unconfirmedIdleMs } = this.#options
    await this.#scripts.hold(prefix, Date.now(), holdLeaseMs, idleTimeoutMs, unconfirmedIdleMs, held ? 1 : 0, ...ids)
  }

  async #renewHolds (): Promise<void> {
    if (this.#held.size === 0) return
    await this.#hold([...this.#held], true).catch(() => {})
  }

  async #sweep (): Promise<void> {
    try {
      this.#announce(await this.#scripts.sweep(this.#options.prefix, Date.now()) as string[])
    } catch {
      // Redis unreachable: the next sweep catches up.
    }
  }

  #announce (ids: string[]): void {
    for (const id of ids) this.#redis.publish(this.#channel, id)
  }
}

function encode (data: Partial<SessionData>): string[] {
  const fields: string[] = []
  for (const field of FIELDS) {
    const value = data[field]
    if (value !== undefined) fields.push(field, JSON.stringify(value))
  }
  return fields
}

function decode (id: string, flat: string[]): SessionData {
  const values: Record<string, unknown> = {}
  for (let i = 0; i < flat.length; i += 2) {
    // Only the fields this store writes; `_client` and `_confirmed` are its own bookkeeping.
    if ((FIELDS as readonly string[]).includes(flat[i])) values[flat[i]] = JSON.parse(flat[i + 1])
  }
  return {
    id,
    protocolVersion: values.protocolVersion as string,
    clientInfo: values.clientInfo as SessionData['clientInfo'],
    clientCapabilities: (values.clientCapabilities ?? {}) as Record<string, unknown>,
    logLevel: values.logLevel as SessionData['logLevel'],
    subscriptions: (values.subscriptions ?? []) as string[],
    principalId: values.principalId as string | undefined,
    clientKey: values.clientKey as string,
    createdAt: values.createdAt as number
  }
}
