/**
 * Fair database access through the server, on every database: endless
 * queries from one client do not starve another, a full pool queues a few
 * calls and refuses the rest at once, and the errors say whether it was the
 * wait for a connection or the statement. Waits are measured and printed,
 * never asserted against a clock.
 */
import t, { type Test } from 'tap'
import { buildTestApp, createInjectClient } from '@mcp-platform/server/testing'
import db, { type DbOptions } from '../src/index.ts'
import { forEachDatabase, RUNAWAY } from './fixtures.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

forEachDatabase(t, async (t, database) => {
  const open = async (t: Test, options: DbOptions) => {
    const app = await buildTestApp(t, { plugins: [{ plugin: db, options: { ...database.options, ...options } }] })
    const as = (address: string) => {
      const client = createInjectClient(app, { remoteAddress: address })
      return async (sql: string): Promise<{ ms: number, text: string, isError: boolean, rows?: unknown[][] }> => {
        const started = performance.now()
        const result = await client.callTool('db_query', { sql })
        return { ms: Math.round(performance.now() - started), text: result.content[0].text, isError: result.isError === true, rows: result.structuredContent?.rows }
      }
    }
    as.complete = (value: string) => createInjectClient(app).complete({ type: 'ref/resource', uri: 'db://tables/{table}' }, { name: 'table', value })
    return as
  }

  t.test('six endless CTEs from one client: it gets two, another client is answered', async (t) => {
    const as = await open(t, { poolSize: 3, maxConcurrentPerClient: 2, statementTimeoutMs: 2000 })
    const hog = as('10.0.0.1')
    const hogs = Array.from({ length: 6 }, () => hog(RUNAWAY))
    await sleep(300)
    const other = await as('10.0.0.2')('select 1 as one')
    t.comment(`another client's select 1 while six endless CTEs were sent: answered in ${other.ms} ms`)
    t.equal(other.isError, false, other.text)
    t.same(other.rows, [[1]])
    const answers = await Promise.all(hogs)
    const refused = answers.filter((a) => /You already have 2 database queries running or waiting; the limit is 2 per client/.test(a.text))
    const stopped = answers.filter((a) => /stopped after the 2000 ms statement time limit/.test(a.text))
    t.equal(refused.length, 4, 'four refused at once (the per-client cap)')
    t.equal(stopped.length, 2, 'two ran, until the statement time limit')
    t.comment(`the refusals came in ${Math.max(...refused.map((a) => a.ms))} ms at most`)
  })

  t.test('a full pool: one call queues and is told it waited, the next is refused at once', async (t) => {
    const as = await open(t, { poolSize: 2, maxConcurrentPerClient: 1, maxQueue: 1, queueTimeoutMs: 500, statementTimeoutMs: 3000 })
    const hogs = [as('10.0.1.1')(RUNAWAY), as('10.0.1.2')(RUNAWAY)]
    await sleep(300)
    const waiting = as('10.0.1.3')('select 1 as one')
    await sleep(100)
    const full = await as('10.0.1.4')('select 1 as one')
    t.equal(full.isError, true)
    t.match(full.text, /The database queue is full \(1 queries waiting for 2 connections\)\. Retry in a few seconds/)
    t.comment(`queue full: refused in ${full.ms} ms`)
    const completion = await as.complete('ord')
    t.same(completion.completion.values, [], 'completion with the queue full suggests nothing, and does not fail')
    const waited = await waiting
    t.equal(waited.isError, true)
    t.match(waited.text, /The query waited 500 ms for a free database connection and was not run/)
    t.comment(`queue wait: answered after ${waited.ms} ms`)
    for (const hog of await Promise.all(hogs)) {
      t.match(hog.text, /The query was stopped after the 3000 ms statement time limit/, 'the statement limit says it was the statement')
    }
    const after = await as('10.0.1.5')('select 2 as two')
    t.same(after.rows, [[2]], 'and the pool serves again')
  })
})
