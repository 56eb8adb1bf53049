import t from 'tap'
import { MemorySessionStore, type SessionData } from '../../src/state/session-store.ts'

const session = (id: string): SessionData => ({
  id, protocolVersion: '2025-11-25', clientInfo: undefined, clientCapabilities: {}, logLevel: undefined, subscriptions: [], principalId: undefined, createdAt: Date.now()
})
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('a session unused for longer than the idle timeout expires', async (t) => {
  const store = new MemorySessionStore({ idleTimeoutMs: 50, maxSessions: 10 })
  t.teardown(() => store.close())
  const ended: string[] = []
  store.onEnd((id) => ended.push(id))
  t.ok(await store.create(session('a')))
  t.ok(await store.get('a'), 'there right away')
  await sleep(80)
  t.equal(await store.get('a'), undefined, 'gone after the idle timeout')
  t.same(ended, ['a'], 'its end is announced once')
})

t.test('using a session keeps it alive', async (t) => {
  const store = new MemorySessionStore({ idleTimeoutMs: 60, maxSessions: 10 })
  t.teardown(() => store.close())
  await store.create(session('a'))
  for (let i = 0; i < 4; i++) {
    await sleep(30)
    t.ok(await store.get('a'), `still there after ${(i + 1) * 30} ms of use`)
  }
})

t.test('the cap refuses new sessions until old ones end', async (t) => {
  const store = new MemorySessionStore({ idleTimeoutMs: 50, maxSessions: 2 })
  t.teardown(() => store.close())
  t.ok(await store.create(session('a')))
  t.ok(await store.create(session('b')))
  t.notOk(await store.create(session('c')), 'over the cap')
  t.ok(await store.delete('a'))
  t.ok(await store.create(session('c')), 'room again after a delete')
  await sleep(80)
  t.ok(await store.create(session('d')), 'expired sessions make room too')
})

t.test('update and delete', async (t) => {
  const store = new MemorySessionStore({ idleTimeoutMs: 1000, maxSessions: 2 })
  t.teardown(() => store.close())
  await store.create(session('a'))
  await store.update('a', { logLevel: 'error', subscriptions: ['x://y'] })
  t.match(await store.get('a'), { logLevel: 'error', subscriptions: ['x://y'] })
  t.ok(await store.delete('a'))
  t.notOk(await store.delete('a'), 'a second delete finds nothing')
  t.equal(await store.get('a'), undefined)
})
