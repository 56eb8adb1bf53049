/**
 * Tasks in Redis: created on one instance, `tasks/get`, `tasks/update` and
 * `tasks/cancel` work on any (update and cancel reach the running handler
 * through the relay). The caps hold across instances.
 *
 * A running task has a lease its instance renews; when the instance dies the
 * lease lapses and the next look at the task (or at the caps) fails it with
 * an error that says so, so no task stays `working` forever. A finished task
 * is kept for its `ttlMs`, then dropped.
 *
 * Layout (prefix `p`): `p:task:<id>` a hash, one JSON value per record
 * field; `p:tasks` and `p:tasks:client:<key>` sorted sets of ids scored by
 * their deadline (lease end while running, drop time once finished).
 */
import type { CreateRefusal, TaskPatch, TaskRecord, TaskStore } from '../task-store.ts'
import { defineScript, type RedisConnections, type Script } from './connection.ts'

const COMMON = `
local TERMINAL = { ['"completed"'] = true, ['"failed"'] = true, ['"cancelled"'] = true }
local LAPSED = cjson.encode({ code = -32603, message = 'The server instance running this task stopped before it finished; start the task again' })

-- A running task whose lease lapsed is failed (kept for its ttl); a finished one past its time is dropped.
local function settle(p, id, now)
  local key = p .. 'task:' .. id
  local status = redis.call('HGET', key, 'status')
  local client = redis.call('HGET', key, 'clientKey')
  if not status then
    redis.call('ZREM', p .. 'tasks', id)
    return false
  end
  local ck = p .. 'tasks:client:' .. cjson.decode(client)
  if TERMINAL[status] then
    redis.call('DEL', key)
    redis.call('ZREM', p .. 'tasks', id)
    redis.call('ZREM', ck, id)
    return false
  end
  local ttl = tonumber(cjson.decode(redis.call('HGET', key, 'ttlMs')))
  redis.call('HSET', key, 'status', '"failed"', 'error', LAPSED, 'lastUpdatedAt', cjson.encode(ARGV[2]))
  redis.call('HDEL', key, 'inputRequests')
  redis.call('ZADD', p .. 'tasks', now + ttl, id)
  redis.call('ZADD', ck, now + ttl, id)
  redis.call('PEXPIRE', key, ttl + 60000)
  return true
end

local function settle_due(p, set, now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', set, '-inf', '(' .. now, 'LIMIT', 0, 100)) do settle(p, id, now) end
end
`

/** ARGV: prefix, nowIso, now, id, clientKey, leaseMs, maxTasks, maxPerClient, fields… → 0 stored, 1 client cap, 2 total cap */
const CREATE = COMMON + `
local p, now, id, client, lease = ARGV[1], tonumber(ARGV[3]), ARGV[4], ARGV[5], tonumber(ARGV[6])
local ck = p .. 'tasks:client:' .. client
settle_due(p, p .. 'tasks', now)
settle_due(p, ck, now)
if redis.call('ZCARD', p .. 'tasks') >= tonumber(ARGV[7]) then return 2 end
if redis.call('ZCARD', ck) >= tonumber(ARGV[8]) then return 1 end
local key = p .. 'task:' .. id
for i = 9, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', p .. 'tasks', now + lease, id)
redis.call('ZADD', ck, now + lease, id)
redis.call('PEXPIRE', key, lease + 60000)
return 0
`

/** ARGV: prefix, nowIso, now, id → the hash, after settling a lapsed lease or an expiry */
const GET = COMMON + `
local p, now, id = ARGV[1], tonumber(ARGV[3]), ARGV[4]
local deadline = redis.call('ZSCORE', p .. 'tasks', id)
if not deadline then return {} end
if tonumber(deadline) < now then
  if not settle(p, id, now) then return {} end
end
return redis.call('HGETALL', p .. 'task:' .. id)
`

/** ARGV: prefix, nowIso, now, id, dropInputs (1/0), fields… → the hash after the change (unchanged when finished) */
const UPDATE = COMMON + `
local p, now, id = ARGV[1], tonumber(ARGV[3]), ARGV[4]
local key = p .. 'task:' .. id
local deadline = redis.call('ZSCORE', p .. 'tasks', id)
if not deadline or redis.call('EXISTS', key) == 0 then return {} end
if tonumber(deadline) < now and not settle(p, id, now) then return {} end
if TERMINAL[redis.call('HGET', key, 'status')] then return redis.call('HGETALL', key) end
for i = 6, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
if ARGV[5] == '1' then redis.call('HDEL', key, 'inputRequests') end
redis.call('HSET', key, 'lastUpdatedAt', cjson.encode(ARGV[2]))
if TERMINAL[redis.call('HGET', key, 'status')] then
  local ttl = tonumber(cjson.decode(redis.call('HGET', key, 'ttlMs')))
  local ck = p .. 'tasks:client:' .. cjson.decode(redis.call('HGET', key, 'clientKey'))
  redis.call('ZADD', p .. 'tasks', now + ttl, id)
  redis.call('ZADD', ck, now + ttl, id)
  redis.call('PEXPIRE', key, ttl + 60000)
end
return redis.call('HGETALL', key)
`

/** ARGV: prefix, now, leaseMs, ids… Pushes the lease of tasks still running. */
const RENEW = COMMON + `
local p, now, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 4, #ARGV do
  local key = p .. 'task:' .. ARGV[i]
  local status = redis.call('HGET', key, 'status')
  if status and not TERMINAL[status] then
    local ck = p .. 'tasks:client:' .. cjson.decode(redis.call('HGET', key, 'clientKey'))
    redis.call('ZADD', p .. 'tasks', now + lease, ARGV[i])
    redis.call('ZADD', ck, now + lease, ARGV[i])
    redis.call('PEXPIRE', key, lease + 60000)
  end
end
return 1
`

const FIELDS = ['taskId', 'principalId', 'clientKey', 'status', 'statusMessage', 'createdAt', 'lastUpdatedAt', 'ttlMs', 'pollIntervalMs', 'inputRequests', 'result', 'error'] as const
const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled'])

export interface RedisTaskStoreOptions {
  prefix: string
  maxTasks: number
  maxTasksPerClient: number
  /** How long a running task's lease lasts unless its instance renews it (at a third of this). */
  leaseMs?: number
}

export class RedisTaskStore implements TaskStore {
  readonly #options: Required<RedisTaskStoreOptions>
  readonly #scripts: Record<'create' | 'get' | 'update' | 'renew', Script>
  /** Tasks created here and not finished: their leases are renewed here. */
  readonly #running = new Set<string>()
  readonly #renewer: NodeJS.Timeout

  constructor (redis: RedisConnections, options: RedisTaskStoreOptions) {
    this.#options = { leaseMs: 30_000, ...options }
    const { command } = redis
    this.#scripts = {
      create: defineScript(command, 'mcpTaskCreate', CREATE),
      get: defineScript(command, 'mcpTaskGet', GET),
      update: defineScript(command, 'mcpTaskUpdate', UPDATE),
      renew: defineScript(command, 'mcpTaskRenew', RENEW)
    }
    this.#renewer = setInterval(() => { void this.#renew() }, Math.max(100, Math.floor(this.#options.leaseMs / 3))).unref()
  }

  async create (record: TaskRecord): Promise<CreateRefusal | undefined> {
    const { prefix, leaseMs, maxTasks, maxTasksPerClient } = this.#options
    const status = await this.#scripts.create(prefix, new Date().toISOString(), Date.now(), record.taskId, record.clientKey, leaseMs, maxTasks, maxTasksPerClient, ...encode(record)) as number
    if (status === 2) return 'total'
    if (status === 1) return 'client'
    this.#running.add(record.taskId)
    return undefined
  }

  async get (taskId: string, principalId: string | null): Promise<TaskRecord | undefined> {
    const record = decode(await this.#scripts.get(this.#options.prefix, new Date().toISOString(), Date.now(), taskId) as string[])
    return record !== undefined && record.principalId === principalId ? record : undefined
  }

  async update (taskId: string, patch: TaskPatch): Promise<TaskRecord | undefined> {
    const dropInputs = patch.status !== undefined && patch.status !== 'input_required'
    const record = decode(await this.#scripts.update(this.#options.prefix, new Date().toISOString(), Date.now(), taskId, dropInputs ? 1 : 0, ...encode(patch)) as string[])
    if (record === undefined || TERMINAL_STATUSES.has(record.status)) this.#running.delete(taskId)
    return record
  }

  async close (): Promise<void> {
    clearInterval(this.#renewer)
    this.#running.clear()
  }

  async #renew (): Promise<void> {
    if (this.#running.size === 0) return
    await this.#scripts.renew(this.#options.prefix, Date.now(), this.#options.leaseMs, ...this.#running).catch(() => {})
  }
}

function encode (data: Partial<TaskRecord>): string[] {
  const fields: string[] = []
  for (const field of FIELDS) {
    const value = data[field]
    if (value !== undefined) fields.push(field, JSON.stringify(value))
  }
  return fields
}

function decode (flat: string[]): TaskRecord | undefined {
  if (flat.length === 0) return undefined
  const record: Record<string, unknown> = {}
  for (let i = 0; i < flat.length; i += 2) {
    if ((FIELDS as readonly string[]).includes(flat[i])) record[flat[i]] = JSON.parse(flat[i + 1])
  }
  return record as unknown as TaskRecord
}
