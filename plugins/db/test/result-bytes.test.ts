/**
 * Results have a byte budget applied where the rows are read (in the SQLite
 * process; as PostgreSQL pages rows in): a huge blob is summarized, long text
 * cut, and rows stop at the budget, so the answer stays small
 * (`truncated: true` says so). The same on every database.
 */
import t from 'tap'
import { buildTestApp, createInjectClient } from '@mcp-platform/server/testing'
import db from '../src/index.ts'
import { forEachDatabase } from './fixtures.ts'

forEachDatabase(t, async (t, database) => {
  const app = await buildTestApp(t, { plugins: [{ plugin: db, options: { ...database.options, maxResultBytes: 10_000, maxRows: 1000 } }] })
  const client = createInjectClient(app)
  const query = async (sql: string): Promise<any> => (await client.callTool('db_query', { sql })).structuredContent
  const pg = database.name === 'postgres'

  const blob = await query(pg ? "select decode(repeat('ab', 30000000), 'hex') as b" : 'select randomblob(30000000) as b')
  t.same(blob.rows, [['<blob 30000000 bytes>']], 'a 30 MB blob is summarized, not copied')
  t.equal(blob.truncated, true)

  const text = await query(pg ? "select repeat('x', 50000) as t" : "select printf('%.*c', 50000, 'x') as t")
  t.equal(text.rows[0][0].length, 10_001, 'long text is cut to the budget, with an ellipsis')
  t.equal(text.truncated, true)

  const many = await query(pg
    ? "select repeat('y', 100) from generate_series(1, 900)"
    : "with recursive r(n) as (select 1 union all select n + 1 from r limit 900) select printf('%.*c', 100, 'y') from r")
  t.ok(many.rows.length < 900 && many.rows.length >= 90, `rows stop at the budget (${many.rows.length} of 900)`)
  t.equal(many.truncated, true)
  t.ok(JSON.stringify(many.rows).length < 12_000, 'the answer is about the budget')

  if (pg) {
    const json = await query("select json_build_object('k', repeat('z', 100000)) as j")
    t.equal(json.truncated, true, 'a big json value is cut as text')
    t.ok(json.rows[0][0].length <= 10_001)
  }

  const exact = await query(pg ? 'select g from generate_series(1, 1000) g' : 'with recursive r(n) as (select 1 union all select n + 1 from r limit 1000) select n from r')
  t.equal(exact.rows.length, 1000)
  t.equal(exact.truncated, false, 'exactly the row cap, within the budget: not truncated')

  const small = await query('select 1 as one')
  t.same(small.rows, [[1]])
  t.equal(small.truncated, false, 'a small answer is untouched')
})
