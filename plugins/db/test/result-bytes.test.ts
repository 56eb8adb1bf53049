/**
 * SQLite results have a byte budget applied in the worker: a huge blob is
 * summarized, long text cut, and rows stop at the budget, so the answer that
 * crosses to the main thread stays small (`truncated: true` says so).
 */
import t from 'tap'
import { buildTestApp, createInjectClient } from '@mcp-platform/server/testing'
import db from '../src/index.ts'

t.test('blobs, long text and many rows stay within the byte budget', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin: db, options: { maxResultBytes: 10_000, maxRows: 1000 } }] })
  const client = createInjectClient(app)
  const query = async (sql: string): Promise<any> => (await client.callTool('db_query', { sql })).structuredContent

  const blob = await query('select randomblob(30000000) as b')
  t.same(blob.rows, [['<blob 30000000 bytes>']], 'a 30 MB blob is summarized, not copied')
  t.equal(blob.truncated, true)

  const text = await query("select printf('%.*c', 50000, 'x') as t")
  t.equal(text.rows[0][0].length, 10_001, 'long text is cut to the budget, with an ellipsis')
  t.equal(text.truncated, true)

  const many = await query("with recursive r(n) as (select 1 union all select n + 1 from r limit 900) select printf('%.*c', 100, 'y') from r")
  t.ok(many.rows.length < 900 && many.rows.length >= 90, `rows stop at the budget (${many.rows.length} of 900)`)
  t.equal(many.truncated, true)
  t.ok(JSON.stringify(many.rows).length < 12_000, 'the answer is about the budget')

  const small = await query('select 1 as one')
  t.same(small.rows, [[1]])
  t.equal(small.truncated, false, 'a small answer is untouched')
})
