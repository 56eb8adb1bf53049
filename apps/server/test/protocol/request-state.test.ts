import t from 'tap'
import { ProtocolError } from '../../src/protocol/errors.ts'
import { RequestStateSealer } from '../../src/protocol/request-state.ts'
import { MemoryReplayGuard } from '../../src/state/replay-guard.ts'

const binding = { method: 'tools/call', target: 'ask', args: { b: 1, a: [1, 2] }, principalId: 'alice' }
const sealerWith = (key: string, ttlMs = 60_000) => new RequestStateSealer(Buffer.from(key), ttlMs, new MemoryReplayGuard({ maxEntries: 100 }))

t.test('a sealed state opens for the same request and caller, with what it asked', async (t) => {
  const sealer = sealerWith('key')
  const state = sealer.seal(binding, { 'elicitation-0': { action: 'accept' } }, ['sampling-1'])
  const opened = sealer.open(state, { ...binding, args: { a: [1, 2], b: 1 } })
  t.same(opened.responses, { 'elicitation-0': { action: 'accept' } }, 'argument key order does not matter')
  t.same(opened.asked, ['sampling-1'])
})

t.test('a state is single-use: the second claim is a replay', async (t) => {
  const sealer = sealerWith('key')
  const state = sealer.seal(binding, {}, ['elicitation-0'])
  await sealer.claim(sealer.open(state, binding))
  await t.rejects(sealer.claim(sealer.open(state, binding)), { code: -32602, message: /already used/ })
  const other = sealer.seal(binding, {}, ['elicitation-0'])
  await sealer.claim(sealer.open(other, binding))
  t.pass('another state of the same request is its own')
})

t.test('a state is refused when', async (t) => {
  const sealer = sealerWith('key')
  const state = sealer.seal(binding, {}, [])
  const [body, mac] = state.split('.')
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['its body is changed', () => sealer.open(`${Buffer.from('{"v":2}').toString('base64url')}.${mac}`, binding), /signature does not verify/],
    ['its signature is changed', () => sealer.open(`${body}.${mac.slice(1)}A`, binding), /signature does not verify/],
    ['another key signed it', () => sealerWith('other').open(state, binding), /signature does not verify/],
    ['another caller presents it', () => sealer.open(state, { ...binding, principalId: 'bob' }), /issued to another caller/],
    ['the arguments changed', () => sealer.open(state, { ...binding, args: { b: 2 } }), /different request/],
    ['the tool changed', () => sealer.open(state, { ...binding, target: 'other' }), /different request/],
    ['it is not a string', () => sealer.open(42, binding), /must be the string/],
    ['it has no signature', () => sealer.open('abc', binding), /signature does not verify/]
  ]
  for (const [what, open, message] of cases) {
    const error = t.throws(open, what) as ProtocolError
    t.equal(error.code, -32602, `${what}: -32602`)
    t.match(error.message, message)
  }
})

t.test('an expired state is refused', async (t) => {
  const sealer = sealerWith('key', -1)
  t.throws(() => sealer.open(sealer.seal(binding, {}, []), binding), /expired/)
})

t.test('the memory guard forgets expired ids and, when full of live ones, refuses rather than lets a replay through', async (t) => {
  const guard = new MemoryReplayGuard({ maxEntries: 2 })
  const now = Date.now()
  t.equal(await guard.claim('a', now - 1), true)
  t.equal(await guard.claim('b', now + 60_000), true)
  t.equal(await guard.claim('c', now + 60_000), true, 'room made by forgetting the expired id')
  t.equal(await guard.claim('d', now + 60_000), false, 'full of live ids: refused')
  t.equal(await guard.claim('b', now + 60_000), false, 'a replay')
})
