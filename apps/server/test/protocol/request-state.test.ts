import t from 'tap'
import { ProtocolError } from '../../src/protocol/errors.ts'
import { RequestStateSealer } from '../../src/protocol/request-state.ts'

const binding = { method: 'tools/call', target: 'ask', args: { b: 1, a: [1, 2] }, principalId: 'alice' }

t.test('a sealed state opens for the same request and caller', async (t) => {
  const sealer = new RequestStateSealer(Buffer.from('key'), 60_000)
  const state = sealer.seal(binding, { 'elicitation-0': { action: 'accept' } })
  t.same(sealer.open(state, { ...binding, args: { a: [1, 2], b: 1 } }), { 'elicitation-0': { action: 'accept' } }, 'argument key order does not matter')
})

t.test('a state is refused when', async (t) => {
  const sealer = new RequestStateSealer(Buffer.from('key'), 60_000)
  const state = sealer.seal(binding, {})
  const [body, mac] = state.split('.')
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['its body is changed', () => sealer.open(`${Buffer.from('{"v":1}').toString('base64url')}.${mac}`, binding), /signature does not verify/],
    ['its signature is changed', () => sealer.open(`${body}.${mac.slice(1)}A`, binding), /signature does not verify/],
    ['another key signed it', () => new RequestStateSealer(Buffer.from('other'), 60_000).open(state, binding), /signature does not verify/],
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
  const sealer = new RequestStateSealer(Buffer.from('key'), -1)
  t.throws(() => sealer.open(sealer.seal(binding, {}), binding), /expired/)
})
