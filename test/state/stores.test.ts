/**
 * The shared-state stores, memory and Redis, held to one contract: the same
 * assertions run against both. Redis runs for real (a throwaway
 * redis-server); two Redis-backed stores on one Redis stand for two
 * instances, so what one ends, claims or publishes, the other sees.
 */
import t, { type Test } from 'tap'
import { MemoryEventBus, type ChangeEvent, type EventBus } from '../../apps/server/src/state/event-bus.ts'
import { MemoryEventStore, type EventStore } from '../../apps/server/src/state/event-store.ts'
import { MemoryReplayGuard, type ReplayGuard } from '../../apps/server/src/state/replay-guard.ts'
import { MemorySessionStore, type SessionData, type SessionStore } from '../../apps/server/src/state/session-store.ts'
import { connectRedis, type RedisConnections } from '../../apps/server/src/state/redis/connection.ts'
import { RedisEventBus } from '../../apps/server/src/state/redis/event-bus.ts'
import { RedisEventStore } from '../../apps/server/src/state/redis/event-store.ts'
import { RedisReplayGuard } from '../../apps/server/src/state/redis/replay-guard.ts'
import { RedisSessionStore } from '../../apps/server/src/state/redis/session-store.ts'
import { RedisTaskStore } from '../../apps/server/src/state/redis/task-store.ts'
import { MemoryTaskStore, type TaskRecord, type TaskStore } from '../../apps/server/src/state/task-store.ts'
import { until } from '../../apps/server/src/testing/index.ts'
import { startRedis } from '../helpers/redis.ts'

interface SessionLimits { idleTimeoutMs: number, maxSessions: number, maxSessionsPerClient: number, unconfirmedIdleMs: number }

interface Backend {
  name: string
  /** Two views of one shared state ("instances"); for memory, the same object twice. */
  sessions (limits: SessionLimits): [SessionStore, SessionStore]
  events (): EventStore
  guards (): [ReplayGuard, ReplayGuard]
  buses (): [EventBus, EventBus]
  tasks (caps: { maxTasks: number, maxTasksPerClient: number }): [TaskStore, TaskStore]
}

const LIMITS: SessionLimits = { idleTimeoutMs: 60_000, maxSessions: 1000, maxSessionsPerClient: 100, unconfirmedIdleMs: 60_000 }
let counter = 0

function session (clientKey = 'client-a', overrides: Partial<SessionData> = {}): SessionData {
  return {
    id: `s-${++counter}-${Math.random().toString(36).slice(2)}`,
    protocolVersion: '2025-11-25',
    clientInfo: { name: 'test', version: '1' },
    clientCapabilities: { elicitation: {} },
    logLevel: undefined,
    subscriptions: [],
    principalId: undefined,
    clientKey,
    createdAt: Date.now(),
    ...overrides
  }
}

function contract (t: Test, backend: () => Backend): void {
  t.test('a session is stored, read, updated and deleted', async (t) => {
    const [a, b] = backend().sessions(LIMITS)
    const data = session('client-a', { subscriptions: [] })
    t.equal(await a.create(data), true)
    t.same(await b.get(data.id), data, 'read back whole (empty lists stay lists)')
    await a.update(data.id, { logLevel: 'warning', subscriptions: ['file:///a'] })
    t.match(await b.get(data.id), { logLevel: 'warning', subscriptions: ['file:///a'], clientCapabilities: { elicitation: {} } })
    const ended: string[] = []
    b.onEnd((id) => ended.push(id))
    t.equal(await a.delete(data.id), true)
    t.equal(await a.delete(data.id), false, 'a second delete finds nothing')
    t.equal(await b.get(data.id), undefined, 'deleted everywhere')
    await until(() => ended.includes(data.id), 5000, 'the end announced')
    t.pass('the other instance hears the end')
  })

  t.test('a client over its quota loses its least recently used idle session, never a held one', async (t) => {
    const [a, b] = backend().sessions({ ...LIMITS, maxSessionsPerClient: 3 })
    const ended: string[] = []
    b.onEnd((id) => ended.push(id))
    const own = [session('greedy'), session('greedy'), session('greedy')]
    for (const data of own) t.equal(await a.create(data), true)
    await a.hold(own[0].id, true)
    await b.get(own[2].id) // used again: the newest use
    const next = session('greedy')
    t.equal(await b.create(next), true, 'room made')
    await until(() => ended.length === 1, 5000, 'an eviction')
    t.same(ended, [own[1].id], 'the idle one least recently used went')
    t.ok(await a.get(own[0].id), 'the held session stays')
    t.equal(await a.create(session('other')), true, 'another client is not affected')

    await a.hold(own[2].id, true)
    await a.hold(next.id, true)
    const refused = await a.create(session('greedy'))
    t.match(refused, { perClient: true, retryAfterMs: Number }, 'all held: refused, per client, with a retry time')
  })

  t.test('the total cap refuses with a retry time', async (t) => {
    const [a] = backend().sessions({ ...LIMITS, maxSessions: 2 })
    t.equal(await a.create(session('x')), true)
    t.equal(await a.create(session('y')), true)
    const refused = await a.create(session('z'))
    t.match(refused, { retryAfterMs: Number }, 'refused')
    t.notOk((refused as { perClient?: boolean }).perClient, 'not a per-client refusal')
  })

  t.test('an unconfirmed session expires soon; a confirmed one lives its idle time; a held one does not expire', async (t) => {
    const [a, b] = backend().sessions({ ...LIMITS, idleTimeoutMs: 60_000, unconfirmedIdleMs: 300 })
    const ended: string[] = []
    b.onEnd((id) => ended.push(id))
    const walkAway = session('c')
    const confirmed = session('c')
    const held = session('c')
    for (const data of [walkAway, confirmed, held]) await a.create(data)
    t.ok(await b.get(confirmed.id), 'a second request confirms it')
    await a.hold(held.id, true)
    await new Promise((resolve) => setTimeout(resolve, 600))
    t.equal(await b.get(walkAway.id), undefined, 'the session nobody came back to is gone')
    t.ok(await b.get(confirmed.id), 'the confirmed session lives on')
    t.ok(await b.get(held.id), 'the held session lives on')
    await until(() => ended.includes(walkAway.id), 5000, 'the expiry announced')
    t.notOk(ended.includes(confirmed.id) || ended.includes(held.id), 'only the expired one ended')
  })

  t.test('events of a resumable stream are replayed after an id, then dropped', async (t) => {
    const store = backend().events()
    const first = await store.append('sess_1', { n: 1 })
    const second = await store.append('sess_1', { n: 2 })
    await store.append('sess_2', { other: true })
    const third = await store.append('sess_1', { n: 3 })
    t.match(await store.after(first), { streamId: 'sess_1', events: [{ id: second, message: { n: 2 } }, { id: third, message: { n: 3 } }] })
    t.same((await store.after(third))?.events, [], 'nothing after the last')
    t.equal(await store.after('sess_9.1'), undefined, 'an unknown stream')
    t.equal(await store.after('garbage'), undefined, 'an id of no known shape')
    await store.drop('sess_1')
    t.equal(await store.after(first), undefined, 'dropped')
  })

  t.test('a requestState id is claimed once, on any instance', async (t) => {
    const [a, b] = backend().guards()
    const id = `state-${Math.random()}`
    t.equal(await a.claim(id, Date.now() + 10_000), true)
    t.equal(await b.claim(id, Date.now() + 10_000), false, 'a replay elsewhere is refused')
    t.equal(await a.claim(id, Date.now() + 10_000), false, 'and here')
  })

  t.test('a change published on one instance reaches the listeners of every instance', async (t) => {
    const [a, b] = backend().buses()
    const heard: Array<[string, ChangeEvent]> = []
    const stopA = a.subscribe((event) => heard.push(['a', event]))
    b.subscribe((event) => heard.push(['b', event]))
    await new Promise((resolve) => setTimeout(resolve, 100)) // Redis: subscriptions take effect
    a.publish({ type: 'resourceUpdated', uri: 'file:///x' })
    await until(() => heard.length === 2, 5000, 'both listeners')
    t.same(heard.map(([who]) => who).sort(), ['a', 'b'])
    stopA()
    b.publish({ type: 'listChanged', list: 'tools' })
    await until(() => heard.length === 3, 5000, 'the remaining listener')
    t.same(heard[2], ['b', { type: 'listChanged', list: 'tools' }], 'an unsubscribed listener hears nothing more')
  })
}

function task (clientKey: string, principalId: string | null = null, ttlMs = 60_000): TaskRecord {
  const now = new Date().toISOString()
  return { taskId: `t-${++counter}-${Math.random().toString(36).slice(2)}`, principalId, clientKey, status: 'working', createdAt: now, lastUpdatedAt: now, ttlMs, pollIntervalMs: 500 }
}

function taskContract (t: Test, backend: () => Backend): void {
  t.test('a task is created on one instance and read, updated and finished through another, for its principal only', async (t) => {
    const [a, b] = backend().tasks({ maxTasks: 10, maxTasksPerClient: 10 })
    const record = task('c', 'alice', 300)
    t.equal(await a.create(record), undefined, 'stored')
    t.match(await b.get(record.taskId, 'alice'), { status: 'working', principalId: 'alice' })
    t.equal(await b.get(record.taskId, 'bob'), undefined, 'another principal sees nothing')
    t.match(await b.update(record.taskId, { status: 'input_required', inputRequests: { q: { method: 'elicitation/create', params: { items: [] } } } }), { status: 'input_required', inputRequests: { q: { params: { items: [] } } } }, 'input requests kept whole (empty lists stay lists)')
    t.notOk((await a.update(record.taskId, { status: 'working' }))?.inputRequests, 'back to working: the input requests go')
    t.match(await a.update(record.taskId, { status: 'completed', result: { content: [] } }), { status: 'completed', result: { content: [] } })
    t.match(await b.update(record.taskId, { status: 'failed' }), { status: 'completed' }, 'a finished task changes no more')
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.equal(await b.get(record.taskId, 'alice'), undefined, 'dropped after its ttl')
  })

  t.test('caps per client and in total hold across instances', async (t) => {
    const [a, b] = backend().tasks({ maxTasks: 3, maxTasksPerClient: 2 })
    t.equal(await a.create(task('x')), undefined)
    t.equal(await b.create(task('x')), undefined)
    t.equal(await a.create(task('x')), 'client', 'the client\'s third is refused')
    t.equal(await b.create(task('y')), undefined)
    t.equal(await a.create(task('z')), 'total', 'the server\'s fourth is refused')
  })
}

t.test('memory', async (t) => {
  const closers: Array<() => Promise<void>> = []
  t.teardown(async () => { for (const close of closers) await close() })
  const backendOf = (): Backend => ({
    name: 'memory',
    sessions (limits) {
      const store = new MemorySessionStore(limits)
      closers.push(() => store.close())
      return [store, store]
    },
    events: () => new MemoryEventStore({ maxEventsPerStream: 100, ttlMs: 60_000 }),
    guards () {
      const guard = new MemoryReplayGuard({ maxEntries: 100 })
      return [guard, guard]
    },
    buses () {
      const bus = new MemoryEventBus()
      return [bus, bus]
    },
    tasks (caps) {
      const store = new MemoryTaskStore(caps)
      closers.push(() => store.close())
      return [store, store]
    }
  })
  contract(t, backendOf)
  taskContract(t, backendOf)
})

t.test('redis', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const connections: RedisConnections[] = []
  const closers: Array<() => Promise<void>> = []
  t.teardown(async () => {
    for (const close of closers) await close()
    for (const connection of connections) await connection.close()
  })
  const connect = (): RedisConnections => {
    const connection = connectRedis({ url: redis.url })
    connections.push(connection)
    return connection
  }
  // Each backend() call gets its own prefix: tests do not see each other's keys.
  let round = 0
  const backendOf = (): Backend => {
    const prefix = `test${++round}:`
    const [one, two] = [connect(), connect()]
    return {
      name: 'redis',
      sessions (limits) {
        const stores = [new RedisSessionStore(one, { prefix, ...limits }), new RedisSessionStore(two, { prefix, ...limits })] as [RedisSessionStore, RedisSessionStore]
        closers.push(async () => { for (const store of stores) await store.close() })
        return stores
      },
      events: () => new RedisEventStore(one, { prefix, maxEventsPerStream: 100, ttlMs: 60_000 }),
      guards: () => [new RedisReplayGuard(one, prefix), new RedisReplayGuard(two, prefix)],
      buses: () => [new RedisEventBus(one, prefix), new RedisEventBus(two, prefix)],
      tasks (caps) {
        const stores = [new RedisTaskStore(one, { prefix, ...caps }), new RedisTaskStore(two, { prefix, ...caps })] as [RedisTaskStore, RedisTaskStore]
        closers.push(async () => { for (const store of stores) await store.close() })
        return stores
      }
    }
  }
  contract(t, backendOf)
  taskContract(t, backendOf)

  t.test('a task whose instance stopped renewing its lease is failed with a clear error, never left working', async (t) => {
    const prefix = 'lease:'
    const runner = new RedisTaskStore(connect(), { prefix, maxTasks: 10, maxTasksPerClient: 10, leaseMs: 300 })
    const other = new RedisTaskStore(connect(), { prefix, maxTasks: 10, maxTasksPerClient: 10, leaseMs: 300 })
    closers.push(() => other.close())
    const record = task('c')
    await runner.create(record)
    await new Promise((resolve) => setTimeout(resolve, 600))
    t.match(await other.get(record.taskId, null), { status: 'working' }, 'renewed while its instance lives')
    await runner.close() // the instance dies: no more renewals
    await new Promise((resolve) => setTimeout(resolve, 600))
    t.match(await other.get(record.taskId, null), { status: 'failed', error: { code: -32603, message: /instance running this task stopped/ } })
  })
})
