import t from 'tap'
import { TtlCache } from '../src/cache.ts'

function clock () {
  let now = 1_000
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

t.test('returns a value until its TTL passes', async (t) => {
  const c = clock()
  const cache = new TtlCache<string>({ maxEntries: 10, now: c.now })
  cache.set('a', 'A', 100)
  t.equal(cache.get('a'), 'A')
  c.advance(99)
  t.equal(cache.get('a'), 'A')
  c.advance(1)
  t.equal(cache.get('a'), undefined, 'expired at exactly ttl')
  t.equal(cache.size, 0, 'expired entry dropped on read')
})

t.test('each entry has its own TTL', async (t) => {
  const c = clock()
  const cache = new TtlCache<string>({ maxEntries: 10, now: c.now })
  cache.set('short', 's', 10)
  cache.set('long', 'l', 1_000)
  c.advance(50)
  t.equal(cache.get('short'), undefined)
  t.equal(cache.get('long'), 'l')
})

t.test('evicts the least recently used entry beyond maxEntries', async (t) => {
  const cache = new TtlCache<number>({ maxEntries: 3 })
  cache.set('a', 1, 60_000)
  cache.set('b', 2, 60_000)
  cache.set('c', 3, 60_000)
  t.equal(cache.get('a'), 1, 'touching a makes b the oldest')
  cache.set('d', 4, 60_000)
  t.equal(cache.size, 3)
  t.equal(cache.get('b'), undefined, 'b evicted')
  t.same([cache.get('a'), cache.get('c'), cache.get('d')], [1, 3, 4])
})

t.test('overwriting a key refreshes it and does not grow the cache', async (t) => {
  const cache = new TtlCache<number>({ maxEntries: 2 })
  cache.set('a', 1, 60_000)
  cache.set('b', 2, 60_000)
  cache.set('a', 10, 60_000)
  cache.set('c', 3, 60_000)
  t.equal(cache.get('a'), 10)
  t.equal(cache.get('b'), undefined, 'b was the oldest after a was rewritten')
})

t.test('ttl 0 and maxEntries 0 store nothing', async (t) => {
  const cache = new TtlCache<number>({ maxEntries: 5 })
  cache.set('a', 1, 0)
  t.equal(cache.get('a'), undefined)
  const disabled = new TtlCache<number>({ maxEntries: 0 })
  disabled.set('a', 1, 60_000)
  t.equal(disabled.get('a'), undefined)
  t.throws(() => new TtlCache({ maxEntries: -1 }), RangeError)
})
