/**
 * db_query as a task: a client that declared the tasks extension gets a task
 * handle for a query still running after `limits.taskAfterMs`, and reads the
 * rows with tasks/get once it finishes; a quick query answers at once.
 */
import t from 'tap'
import { buildTestApp, createInjectClient } from '@mcp-platform/server/testing'
import db from '../src/index.ts'

const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } }
/** Counts to three million in a recursive CTE: long enough (hundreds of ms in WebAssembly) to outlast taskAfterMs. */
const SLOW = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) AS n FROM c'

t.test('a slow db_query becomes a task; its rows arrive through tasks/get', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin: db, options: { statementTimeoutMs: 60_000 } }], limits: { taskAfterMs: 150 } })
  const client = createInjectClient(app, { capabilities: TASKS })
  await createInjectClient(app).callTool('db_query', { sql: 'select 1' }) // warms the engine up
  const quick = await client.callTool('db_query', { sql: 'select 42 as answer' })
  t.equal(quick.resultType, 'complete', 'a quick query answers at once')
  t.same(quick.structuredContent.rows, [[42]])

  const created = await client.callTool('db_query', { sql: SLOW })
  t.equal(created.resultType, 'task', 'the slow query came back as a task')
  t.equal(typeof created.taskId, 'string')
  let task = await client.request('tasks/get', { taskId: created.taskId })
  for (let i = 0; i < 300 && task.status === 'working'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    task = await client.request('tasks/get', { taskId: created.taskId })
  }
  t.equal(task.status, 'completed')
  t.same(task.result.structuredContent.rows, [[3000000]], 'the rows are in the task\'s result')

  const plain = createInjectClient(app)
  const sync = await plain.callTool('db_query', { sql: 'select 1 as one' })
  t.equal(sync.resultType, 'complete', 'a client without the extension never gets a task')
})
