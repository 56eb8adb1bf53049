/**
 * Tasks (the `io.modelcontextprotocol/tasks` extension): the durable part of
 * a task — its status, outstanding input requests, and final result or
 * error — bound to the principal that created it. The running handler lives
 * in the instance that started it (protocol/tasks/); this store is what a
 * shared (e.g. Redis) implementation would replace.
 */

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled'

export const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled'])

export interface TaskRecord {
  taskId: string
  /** The principal that created the task (null: unauthenticated); only it can see the task. */
  principalId: string | null
  /** What the per-client cap counts against: the principal, else the client's address. */
  clientKey: string
  status: TaskStatus
  statusMessage?: string
  createdAt: string
  lastUpdatedAt: string
  ttlMs: number
  pollIntervalMs: number
  inputRequests?: Record<string, { method: string, params: Record<string, unknown> }>
  result?: Record<string, unknown>
  error?: { code: number, message: string, data?: unknown }
}

export type TaskPatch = Partial<Pick<TaskRecord, 'status' | 'statusMessage' | 'inputRequests' | 'result' | 'error'>>

/** Why `create` refused: the client's cap, or the server's. */
export type CreateRefusal = 'client' | 'total'

export interface TaskStore {
  /** Stores a new task; resolves once a `get` would find it, or says which cap refused it. */
  create (record: TaskRecord): Promise<CreateRefusal | undefined>
  /** The task, if it exists, has not expired, and belongs to `principalId`. */
  get (taskId: string, principalId: string | null): Promise<TaskRecord | undefined>
  /** Applies a change (and stamps lastUpdatedAt); a terminal task changes no more. */
  update (taskId: string, patch: TaskPatch): Promise<TaskRecord | undefined>
  close (): Promise<void>
}

export interface MemoryTaskStoreOptions {
  maxTasks: number
  maxTasksPerClient: number
}

/**
 * In-process tasks. A finished task is kept for its `ttlMs` after it ended,
 * then dropped; an unfinished one is kept while it runs (its handler's time
 * limit bounds that). Both caps count every task kept, finished or not.
 */
export class MemoryTaskStore implements TaskStore {
  readonly #tasks = new Map<string, { record: TaskRecord, expiresAt: number }>()
  readonly #perClient = new Map<string, number>()
  readonly #options: MemoryTaskStoreOptions
  readonly #sweeper: NodeJS.Timeout

  constructor (options: MemoryTaskStoreOptions) {
    this.#options = options
    this.#sweeper = setInterval(() => { this.#sweep() }, 10_000)
    this.#sweeper.unref()
  }

  get size (): number {
    return this.#tasks.size
  }

  async create (record: TaskRecord): Promise<CreateRefusal | undefined> {
    this.#sweep()
    if (this.#tasks.size >= this.#options.maxTasks) return 'total'
    const held = this.#perClient.get(record.clientKey) ?? 0
    if (held >= this.#options.maxTasksPerClient) return 'client'
    this.#tasks.set(record.taskId, { record: { ...record }, expiresAt: Infinity })
    this.#perClient.set(record.clientKey, held + 1)
    return undefined
  }

  async get (taskId: string, principalId: string | null): Promise<TaskRecord | undefined> {
    const entry = this.#live(taskId)
    if (entry === undefined || entry.record.principalId !== principalId) return undefined
    return { ...entry.record }
  }

  async update (taskId: string, patch: TaskPatch): Promise<TaskRecord | undefined> {
    const entry = this.#live(taskId)
    if (entry === undefined) return undefined
    const record = entry.record
    if (TERMINAL.has(record.status)) return { ...record }
    Object.assign(record, patch, { lastUpdatedAt: new Date().toISOString() })
    if (patch.status !== 'input_required' && patch.status !== undefined) delete record.inputRequests
    if (TERMINAL.has(record.status)) entry.expiresAt = Date.now() + record.ttlMs
    return { ...record }
  }

  async close (): Promise<void> {
    clearInterval(this.#sweeper)
    this.#tasks.clear()
    this.#perClient.clear()
  }

  #live (taskId: string): { record: TaskRecord, expiresAt: number } | undefined {
    const entry = this.#tasks.get(taskId)
    if (entry !== undefined && entry.expiresAt <= Date.now()) {
      this.#drop(taskId, entry.record)
      return undefined
    }
    return entry
  }

  #sweep (): void {
    const now = Date.now()
    for (const [taskId, entry] of this.#tasks) {
      if (entry.expiresAt <= now) this.#drop(taskId, entry.record)
    }
  }

  #drop (taskId: string, record: TaskRecord): void {
    this.#tasks.delete(taskId)
    const held = (this.#perClient.get(record.clientKey) ?? 1) - 1
    if (held <= 0) this.#perClient.delete(record.clientKey)
    else this.#perClient.set(record.clientKey, held)
  }
}
