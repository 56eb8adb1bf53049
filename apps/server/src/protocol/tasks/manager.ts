/**
 * Tool calls running as tasks (the `io.modelcontextprotocol/tasks`
 * extension): the running part, in the instance that started the call, over
 * the durable part in a TaskStore. A TaskRun is what the call's `ctx` talks
 * to once it is a task: `ctx.elicit`/`ctx.sample` park the handler until
 * `tasks/update` brings the answer (no re-run, unlike MRTR), `ctx.progress`
 * becomes the task's statusMessage, and `tasks/cancel` aborts `ctx.signal`.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { EventBus } from '../../state/event-bus.ts'
import type { SessionRelay } from '../../state/session-relay.ts'
import { TERMINAL, type CreateRefusal, type TaskPatch, type TaskRecord, type TaskStore } from '../../state/task-store.ts'

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks'

export interface TaskSettings {
  ttlMs: number
  /** An optional-task call still running after this long becomes a task. */
  afterMs: number
  /** The handler's time limit once the call is a task. */
  timeoutMs: number
  pollIntervalMs: number
}

/** A server-to-client request a task waits on, as `inputRequests` carries it. */
export interface InputRequest { method: string, params: Record<string, unknown> }

/** What a Call needs of its task (call.ts depends on this, not on the manager). */
export interface TaskInput {
  ask (key: string, request: InputRequest): Promise<Record<string, unknown>>
  progress (progress: number, total?: number, message?: string): void
}

/** True when the request's capabilities declare the tasks extension. */
export function declaresTasks (capabilities: Record<string, unknown>): boolean {
  const extensions = capabilities.extensions
  return extensions !== null && typeof extensions === 'object' && (extensions as Record<string, unknown>)[TASKS_EXTENSION] !== undefined
}

/** The task as the wire shows it (`Task`, plus the fields of its status: a DetailedTask). */
export function wireTask (record: TaskRecord): Record<string, unknown> {
  const task: Record<string, unknown> = {
    taskId: record.taskId,
    status: record.status,
    createdAt: record.createdAt,
    lastUpdatedAt: record.lastUpdatedAt,
    ttlMs: record.ttlMs,
    pollIntervalMs: record.pollIntervalMs
  }
  if (record.statusMessage !== undefined) task.statusMessage = record.statusMessage
  if (record.status === 'input_required') task.inputRequests = record.inputRequests ?? {}
  if (record.status === 'completed' && record.result !== undefined) task.result = record.result
  if (record.status === 'failed' && record.error !== undefined) task.error = record.error
  return task
}

interface Waiting { request: InputRequest, resolve: (value: Record<string, unknown>) => void, reject: (error: unknown) => void }

export class TaskRun implements TaskInput {
  readonly record: TaskRecord
  readonly #manager: TaskManager
  readonly #waiting = new Map<string, Waiting>()
  /** Keys already answered: never asked again over the task's life. */
  readonly #answered = new Set<string>()
  #created = false
  #lastProgressAt = 0
  cancelled = false
  readonly abort: (reason: string) => void

  constructor (manager: TaskManager, record: TaskRecord, abort: (reason: string) => void) {
    this.#manager = manager
    this.record = record
    this.abort = abort
  }

  get taskId (): string {
    return this.record.taskId
  }

  /** The record is in the store; changes from now on are written through. */
  markCreated (): void {
    this.#created = true
  }

  async ask (key: string, request: InputRequest): Promise<Record<string, unknown>> {
    // A key answered before names another request now: keys are unique over the task's life.
    let unique = key
    for (let n = 2; this.#answered.has(unique) || this.#waiting.has(unique); n++) unique = `${key}-${n}`
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => { this.#waiting.set(unique, { request, resolve, reject }) })
    this.#flushInputs()
    return await answer
  }

  /** `tasks/update`: answers of pending requests resume the handler; other keys are ignored. */
  answer (responses: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(responses)) {
      const waiting = this.#waiting.get(key)
      if (waiting === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) continue
      this.#waiting.delete(key)
      this.#answered.add(key)
      waiting.resolve(value as Record<string, unknown>)
    }
    this.#flushInputs()
  }

  progress (progress: number, total?: number, message?: string): void {
    // Progress becomes the statusMessage (progress notifications are not sent for tasks); at most a few writes a second.
    const now = Date.now()
    if (now - this.#lastProgressAt < 200 && (total === undefined || progress < total)) return
    this.#lastProgressAt = now
    const parts = [total === undefined ? `progress ${progress}` : `progress ${progress}/${total}`]
    if (message !== undefined) parts.push(message)
    this.#write({ statusMessage: parts.join(': ') })
  }

  /** The handler ended: waiting input requests are dropped with it. */
  settle (patch: TaskPatch): Promise<void> {
    for (const waiting of this.#waiting.values()) waiting.reject(new Error('the task ended'))
    this.#waiting.clear()
    return this.#write(patch)
  }

  #flushInputs (): void {
    if (TERMINAL.has(this.record.status)) return
    if (this.#waiting.size === 0) {
      if (this.record.status === 'input_required') void this.#write({ status: 'working' })
      return
    }
    const inputRequests: Record<string, InputRequest> = {}
    for (const [key, waiting] of this.#waiting) inputRequests[key] = waiting.request
    void this.#write({ status: 'input_required', inputRequests })
  }

  async #write (patch: TaskPatch): Promise<void> {
    if (TERMINAL.has(this.record.status)) return
    Object.assign(this.record, patch)
    if (patch.status !== undefined && patch.status !== 'input_required') delete this.record.inputRequests
    if (!this.#created) return
    await this.#manager.write(this.record.taskId, patch)
  }
}

export class TaskManager {
  /** Tasks running in this instance, by id. */
  readonly runs = new Map<string, TaskRun>()
  readonly store: TaskStore
  readonly settings: TaskSettings
  readonly #bus: EventBus
  readonly #logger: FastifyBaseLogger
  /** Shared state only: reaches the instance running a task from any other. */
  readonly #relay: SessionRelay | undefined

  constructor (store: TaskStore, settings: TaskSettings, bus: EventBus, logger: FastifyBaseLogger, relay?: SessionRelay) {
    this.store = store
    this.settings = settings
    this.#bus = bus
    this.#logger = logger
    this.#relay = relay
  }

  /** `tasks/update`: answers go to the run, here or (relayed) on the instance running it. */
  answer (taskId: string, responses: Record<string, unknown>): void {
    const run = this.runs.get(taskId)
    if (run !== undefined) run.answer(responses)
    else this.#relay?.send({ to: taskId, kind: 'taskInput', message: { inputResponses: responses } })
  }

  /** What another instance relayed for a task running here. */
  relayed (taskId: string, kind: 'taskInput' | 'taskCancel', message: Record<string, unknown>): void {
    const run = this.runs.get(taskId)
    if (run === undefined) return
    if (kind === 'taskInput') {
      const responses = message.inputResponses
      if (responses !== null && typeof responses === 'object' && !Array.isArray(responses)) {
        run.answer(Object.assign(Object.create(null), responses) as Record<string, unknown>)
      }
      return
    }
    // Cancelled elsewhere (the store already says so): stop the handler.
    run.cancelled = true
    this.runs.delete(taskId)
    run.abort('cancelled by tasks/cancel')
  }

  /** A run for a call becoming a task, not yet stored (see `create`). */
  prepare (principalId: string | null, clientKey: string, abort: (reason: string) => void): TaskRun {
    const now = new Date().toISOString()
    // 144 random bits: a task id is unguessable (the spec lets servers treat it as a bearer of state).
    const record: TaskRecord = {
      taskId: randomBytes(18).toString('base64url'),
      principalId,
      clientKey,
      status: 'working',
      createdAt: now,
      lastUpdatedAt: now,
      ttlMs: this.settings.ttlMs,
      pollIntervalMs: this.settings.pollIntervalMs
    }
    return new TaskRun(this, record, abort)
  }

  /** Stores the task; resolves once `tasks/get` finds it, or says which cap refused it. */
  async create (run: TaskRun): Promise<CreateRefusal | undefined> {
    const refused = await this.store.create({ ...run.record })
    if (refused !== undefined) return refused
    run.markCreated()
    this.runs.set(run.taskId, run)
    return undefined
  }

  async write (taskId: string, patch: TaskPatch): Promise<void> {
    const record = await this.store.update(taskId, patch)
    if (record === undefined) return
    if (TERMINAL.has(record.status)) this.runs.delete(taskId)
    this.#bus.publish({ type: 'task', taskId, principalId: record.principalId, task: wireTask(record) })
  }

  /** `tasks/cancel`: the task is cancelled at once, and its handler's signal aborts. */
  async cancel (record: TaskRecord): Promise<void> {
    if (TERMINAL.has(record.status)) return
    const run = this.runs.get(record.taskId)
    if (run !== undefined) {
      run.cancelled = true
      await run.settle({ status: 'cancelled', statusMessage: 'cancelled by the client' })
      run.abort('cancelled by tasks/cancel')
    } else {
      // Running on another instance (or on none any more): cancelled in the store, and the runner is told.
      await this.write(record.taskId, { status: 'cancelled', statusMessage: 'cancelled by the client' })
      this.#relay?.send({ to: record.taskId, kind: 'taskCancel', message: {} })
    }
    this.#logger.debug({ taskId: record.taskId }, 'task cancelled by the client')
  }

  /** Shutdown: running tasks fail (a JSON-RPC error: the server went away), so clients stop polling. */
  abortAll (reason: string): void {
    for (const run of [...this.runs.values()]) {
      void run.settle({ status: 'failed', error: { code: -32603, message: `The server is shutting down; the task was stopped (${reason})` } })
      run.abort(reason)
    }
  }
}
