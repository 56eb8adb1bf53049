import t from 'tap'
import { MemorySessionStore, type MemorySessionStoreOptions, type SessionData } from '../../src/state/session-store.ts'

const session = (id: string, clientKey = 'address:127.0.0.1'): SessionData => ({
  id, protocolVersion: '2025-11-25', clientInfo: undefined, clientCapabilities: {}, logLevel: undefined, subscriptions: [], principalId: undefined, clientKey, createdAt: Date.now()
})
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const storeWith = (options: Partial<MemorySessionStoreOptions>) =>
  new MemorySessionStore({ idleTimeoutMs: 1000, maxSessions: 10, maxSessionsPerClient: 10, unconfirmedIdleMs: 60_000, ...options })

t.test('a session unused for longer than the idle timeout expires', async (t) => {
  const store = storeWith({ idleTimeoutMs: 50 })
  t.teardown(() => store.close())
  const ended: string[] = []
  store.onEnd((id) => ended.push(id))
  t.equal(await store.create(session('a')), true)
  t.ok(await store.get('a'), 'there right away')
  await sleep(80)
  t.equal(await store.get('a'), undefined, 'gone after the idle timeout')
  t.same(ended, ['a'], 'its end is announced once')
})

t.test('using a session keeps it alive', async (t) => {
  const store = storeWith({ idleTimeoutMs: 60 })
  t.teardown(() => store.close())
  await store.create(session('a'))
  for (let i = 0; i < 4; i++) {
    await sleep(30)
    t.ok(await store.get('a'), `still there after ${(i + 1) * 30} ms of use`)
  }
})

t.test('a session that never sees a second request expires sooner', async (t) => {
  const store = storeWith({ idleTimeoutMs: 5000, unconfirmedIdleMs: 40 })
  t.teardown(() => store.close())
  await store.create(session('walked-away'))
  await store.create(session('used'))
  t.ok(await store.get('used'), 'a second request confirms it')
  await sleep(70)
  t.equal(await store.get('walked-away'), undefined, 'unconfirmed: gone after the short expiry')
  t.ok(await store.get('used'), 'confirmed: still there')
})

t.test('a held session (open stream or socket) neither expires nor is evicted', async (t) => {
  const store = storeWith({ idleTimeoutMs: 40, maxSessionsPerClient: 1 })
  t.teardown(() => store.close())
  await store.create(session('listening'))
  await store.hold('listening', true)
  await sleep(70)
  t.ok(await store.get('listening'), 'held past the idle timeout')
  const refused = await store.create(session('second'))
  t.match(refused, { perClient: true }, 'the client\'s only session is held: refused, not evicted')
  await store.hold('listening', false)
  t.equal(await store.create(session('second')), true, 'released: it makes room')
  t.equal(await store.get('listening'), undefined, 'evicted as the least recently used idle session')
})

t.test('a client at its quota loses its own least recently used idle session; other clients are untouched', async (t) => {
  const store = storeWith({ maxSessionsPerClient: 2 })
  t.teardown(() => store.close())
  await store.create(session('other', 'address:10.0.0.9'))
  await store.create(session('a1'))
  await sleep(5)
  await store.create(session('a2'))
  await sleep(5)
  await store.get('a1')
  t.equal(await store.create(session('a3')), true)
  t.equal(await store.get('a2'), undefined, 'a2 was the least recently used')
  t.ok(await store.get('a1'))
  t.ok(await store.get('a3'))
  t.ok(await store.get('other'), 'another client keeps its session')
})

t.test('the cap refuses new sessions until old ones end, saying when to retry', async (t) => {
  const store = storeWith({ idleTimeoutMs: 50, maxSessions: 2 })
  t.teardown(() => store.close())
  t.equal(await store.create(session('a', 'address:1')), true)
  t.equal(await store.create(session('b', 'address:2')), true)
  const refused = await store.create(session('c', 'address:3'))
  t.not(refused, true, 'over the cap')
  t.ok(typeof refused === 'object' && refused.retryAfterMs >= 1000 && refused.perClient !== true, 'a retry time for the whole store')
  t.ok(await store.delete('a'))
  t.equal(await store.create(session('c', 'address:3')), true, 'room again after a delete')
  await sleep(80)
  t.equal(await store.create(session('d', 'address:4')), true, 'expired sessions make room too')
})

t.test('update and delete', async (t) => {
  const store = storeWith({ maxSessions: 2 })
  t.teardown(() => store.close())
  await store.create(session('a'))
  await store.update('a', { logLevel: 'error', subscriptions: ['x://y'] })
  t.match(await store.get('a'), { logLevel: 'error', subscriptions: ['x://y'] })
  t.ok(await store.delete('a'))
  t.notOk(await store.delete('a'), 'a second delete finds nothing')
  t.equal(await store.get('a'), undefined)
})
