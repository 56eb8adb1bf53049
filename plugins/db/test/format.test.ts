/** The text table and JSON-safe values. */
import t from 'tap'
import { formatTable, toJsonValue } from '../src/format.ts'

t.test('a result set as an aligned text table with a row count', async (t) => {
  t.equal(formatTable(['id', 'name'], [[1, 'Ada'], [22, null]], false, 100), [
    'id | name',
    '---+-----',
    '1  | Ada',
    '22 | NULL',
    '(2 rows)'
  ].join('\n'))
  t.equal(formatTable(['n'], [[1]], false, 100), 'n\n-\n1\n(1 row)')
  t.equal(formatTable(['n'], [], false, 100), 'n\n-\n(0 rows)')
  t.equal(formatTable([], [], false, 100), '(0 rows)', 'a statement without columns')
})

t.test('a truncated result says so and how to narrow it', async (t) => {
  t.match(formatTable(['n'], [[1], [2]], true, 2), /\(2 rows shown; more rows exist beyond the 2-row cap: add a LIMIT, a WHERE or an aggregate/)
})

t.test('cells stay on one line and long ones are cut in the text only', async (t) => {
  const text = formatTable(['a', 'j'], [['line1\nline2\tx', { k: [1, 2] }], ['x'.repeat(500), null]], false, 10)
  t.match(text, /line1\\nline2\\tx +\| \{"k":\[1,2\]\}/)
  t.match(text, new RegExp(`^${'x'.repeat(199)}… \\| NULL$`, 'm'))
})

t.test('values become JSON-safe', async (t) => {
  t.equal(toJsonValue(undefined), null)
  t.equal(toJsonValue(12n), 12)
  t.equal(toJsonValue(9007199254740993n), '9007199254740993', 'a bigint past 2^53 stays exact as a string')
  t.equal(toJsonValue(new Uint8Array([1, 171])), '\\x01ab', 'bytes as hex')
  t.equal(toJsonValue(Number.POSITIVE_INFINITY), 'Infinity')
  t.equal(toJsonValue(new Date(Date.UTC(2024, 1, 29))), '2024-02-29T00:00:00.000Z')
  t.same(toJsonValue({ a: 1 }), { a: 1 })
})
