import t from 'tap'
import { MemoryEventStore } from '../../src/state/event-store.ts'

t.test('events after an id come back in order, for their stream only', async (t) => {
  const store = new MemoryEventStore({ maxEventsPerStream: 10, ttlMs: 60_000 })
  t.teardown(() => store.close())
  const first = await store.append('s1', { n: 1 })
  await store.append('s2', { other: true })
  await store.append('s1', { n: 2 })
  await store.append('s1', { n: 3 })
  const found = await store.after(first)
  t.equal(found?.streamId, 's1')
  t.same(found?.events.map((e) => e.message), [{ n: 2 }, { n: 3 }])
})

t.test('unknown, malformed or dropped ids find nothing', async (t) => {
  const store = new MemoryEventStore({ maxEventsPerStream: 10, ttlMs: 60_000 })
  t.teardown(() => store.close())
  const id = await store.append('s1', 'x')
  t.equal(await store.after('nope'), undefined)
  t.equal(await store.after('other.1'), undefined)
  t.equal(await store.after('s1.x'), undefined)
  await store.drop('s1')
  t.equal(await store.after(id), undefined)
})

t.test('a stream keeps at most maxEventsPerStream events', async (t) => {
  const store = new MemoryEventStore({ maxEventsPerStream: 3, ttlMs: 60_000 })
  t.teardown(() => store.close())
  const first = await store.append('s', 0)
  for (let i = 1; i < 6; i++) await store.append('s', i)
  t.same((await store.after(first))?.events.map((e) => e.message), [3, 4, 5], 'the oldest are dropped first')
})
