/**
 * The result-size walk (protocol/result-size.ts) reuses one stack across
 * calls: a walk that stopped early past its limit, or one that grew the stack
 * past what is kept, must leave nothing behind that changes the next count.
 */
import t from 'tap'
import { fitsJson, jsonSize, NotJson } from '../../apps/server/src/protocol/result-size.ts'

const SMALL = { content: [{ type: 'text', text: 'héllo' }], structuredContent: { result: 5, ok: true, none: null } }

t.test('a count is the same before and after walks that stopped early or grew the stack', async (t) => {
  const fresh = jsonSize(SMALL, 1_000_000)
  t.ok(fresh > JSON.stringify(SMALL).length / 2 && fresh < 2 * Buffer.byteLength(JSON.stringify(SMALL)), `about the JSON size (${fresh})`)

  const wide = { rows: Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `row ${i}` })) }
  const stopped = jsonSize(wide, 100)
  t.ok(stopped > 100 && stopped < 10_000, `a walk past its limit stops long before the end (${stopped})`)
  t.equal(jsonSize(SMALL, 1_000_000), fresh, 'after a walk that stopped with items on the stack')

  const whole = jsonSize(wide, Number.MAX_SAFE_INTEGER)
  t.ok(whole > 5000 * 20, `a wide result counted in full (${whole})`)
  t.equal(jsonSize(SMALL, 1_000_000), fresh, 'after a walk that grew the stack past what is kept')
  t.equal(jsonSize(wide, Number.MAX_SAFE_INTEGER), whole, 'the same count twice')
})

t.test('fitsJson: the cheap bound first, the exact count for a result near the limit', async (t) => {
  const exact = jsonSize(SMALL, 1_000_000)
  t.equal(fitsJson(SMALL, exact), true, 'at the limit, counted exactly')
  t.equal(fitsJson(SMALL, exact - 1), false, 'one byte over')
  const multibyte = { text: 'é'.repeat(100) }
  t.equal(fitsJson(multibyte, jsonSize(multibyte, 1_000_000)), true, 'multi-byte text counted by its UTF-8 length')
})

t.test('a BigInt is refused by name, and the walk after it is unaffected', async (t) => {
  let caught: unknown
  try {
    jsonSize({ a: [1, 2, { b: 10n }], c: 'x'.repeat(10) }, 1_000_000)
  } catch (error) {
    caught = error
  }
  t.ok(caught instanceof NotJson, 'a NotJson')
  t.match((caught as Error).message, /BigInt/)
  t.equal(jsonSize(SMALL, 1_000_000), jsonSize(structuredClone(SMALL), 1_000_000))
})

t.test('a result that refers to itself stops at the limit instead of spinning', async (t) => {
  const loop: Record<string, unknown> = { name: 'loop' }
  loop.self = loop
  t.ok(jsonSize(loop, 10_000) > 10_000, 'counted past the limit, then stopped')
})
