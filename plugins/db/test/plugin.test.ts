/** The db plugin through the server, as a client sees it, against every database. */
import t from 'tap'
import { buildTestApp, createInjectClient } from '@mcp-platform/server/testing'
import db from '../src/index.ts'
import { forEachDatabase, RUNAWAY } from './fixtures.ts'

forEachDatabase(t, async (t, database) => {
  const app = await buildTestApp(t, {
    plugins: [{ plugin: db, options: { ...database.options, maxRows: 10, statementTimeoutMs: 1500 } }]
  })
  const client = createInjectClient(app)
  const pg = database.name === 'postgres'
  const dialect = pg ? /PostgreSQL \d+/ : /SQLite 3\./

  const call = async (name: string, args: Record<string, unknown> = {}): Promise<any> => await client.callTool(name, args)
  const text = (result: any): string => result.content[0].text

  t.test('lists three read-only tools whose descriptions name the dialect', async (t) => {
    const { tools } = await client.listTools()
    const mine = tools.filter((tool: { name: string }) => tool.name.startsWith('db_'))
    t.same(mine.map((tool: { name: string }) => tool.name).sort(), ['db_describe_table', 'db_list_tables', 'db_query'])
    for (const tool of mine) {
      t.match(tool.description, dialect, `${tool.name} names the dialect`)
      t.equal(tool.annotations.readOnlyHint, true)
      t.ok(tool.outputSchema, `${tool.name} has an output schema`)
    }
    const query = mine.find((tool: { name: string }) => tool.name === 'db_query')
    t.match(query.description, pg ? /parameters \$1, \$2/ : /parameters \? \(or \?1/)
    t.same(query.outputSchema.required.sort(), ['columns', 'rowCount', 'rows', 'truncated'])
  })

  t.test('db_query answers with a text table and structuredContent', async (t) => {
    const result = await call('db_query', {
      sql: `select id, name, category from products where category = ${database.param(1)} order by id limit 2`,
      params: ['Books']
    })
    t.notOk(result.isError)
    t.same(result.structuredContent, {
      columns: ['id', 'name', 'category'],
      rows: [[1, 'SQL Basics', 'Books'], [2, 'Relational Theory', 'Books']],
      rowCount: 2,
      truncated: false
    })
    t.equal(text(result), [
      'id | name              | category',
      '---+-------------------+---------',
      '1  | SQL Basics        | Books',
      '2  | Relational Theory | Books',
      '(2 rows)'
    ].join('\n'))
  })

  t.test('rows beyond the cap are cut, and the text says how to see them', async (t) => {
    const result = await call('db_query', { sql: 'select id from customers order by id' })
    t.equal(result.structuredContent.rowCount, 10)
    t.equal(result.structuredContent.truncated, true)
    t.match(text(result), /\(10 rows shown; more rows exist beyond the 10-row cap: add a LIMIT/)
  })

  t.test('writes and several statements are tool errors', async (t) => {
    const drop = await call('db_query', { sql: 'drop table customers' })
    t.equal(drop.isError, true)
    t.match(text(drop), /read-only: a DROP statement is not allowed/)
    const two = await call('db_query', { sql: "select ';' as s; delete from orders" })
    t.equal(two.isError, true)
    t.match(text(two), /one statement per call: this text has 2 statements/)
    if (pg) {
      // Past the keyword guard (it is a WITH … SELECT), stopped by the read-only transaction.
      const hidden = await call('db_query', { sql: 'with gone as (delete from order_items returning *) select count(*) from gone' })
      t.equal(hidden.isError, true)
      t.match(text(hidden), /PostgreSQL refused a write: cannot execute .* in a read-only transaction/)
    }
    const count = await call('db_query', { sql: 'select count(*) as n from order_items' })
    t.same(count.structuredContent.rows, [[435]], 'nothing changed')
  })

  t.test('an engine error is a tool error with the engine message', async (t) => {
    const result = await call('db_query', { sql: 'select * from no_such_table' })
    t.equal(result.isError, true)
    t.match(text(result), pg ? /relation "no_such_table" does not exist/ : /no such table: no_such_table/)
  })

  t.test('a runaway query is stopped at the time limit while other calls are answered', async (t) => {
    let done = false
    const runaway = call('db_query', { sql: RUNAWAY }).finally(() => { done = true })
    const tables = await call('db_list_tables')
    t.notOk(tables.isError)
    const quick = await call('db_query', { sql: 'select 42 as answer' })
    t.same(quick.structuredContent.rows, [[42]])
    t.equal(done, false, 'answered while the runaway query ran')
    const result = await runaway
    t.equal(result.isError, true)
    t.match(text(result), /stopped after the 1500 ms statement time limit/)
  })

  t.test('db_list_tables and db_describe_table', async (t) => {
    const list = await call('db_list_tables')
    t.match(list.structuredContent.dialect, dialect)
    t.ok(list.structuredContent.tables.some((table: { name: string, type: string }) => table.name === 'order_totals' && table.type === 'view'))
    t.match(text(list), /^customers$/m)
    const described = await call('db_describe_table', { table: 'orders' })
    t.notOk(described.isError)
    t.same(described.structuredContent.foreignKeys, [{ columns: ['customer_id'], referencedTable: 'customers', referencedColumns: ['id'] }])
    t.match(text(described), /^Table orders \((SQLite|PostgreSQL) /)
    t.match(text(described), /^ {2}customer_id -> customers\(id\)$/m)
    const missing = await call('db_describe_table', { table: 'nope' })
    t.equal(missing.isError, true)
    t.match(text(missing), /There is no table or view named "nope"\. Tables: customers, order_items, /)
  })

  t.test('each table schema is a resource, with completion on the table name', async (t) => {
    const { resourceTemplates } = await client.listResourceTemplates()
    t.ok(resourceTemplates.some((template: { uriTemplate: string }) => template.uriTemplate === 'db://tables/{table}'))
    const { contents } = await client.readResource('db://tables/customers')
    t.equal(contents[0].uri, 'db://tables/customers')
    t.equal(contents[0].mimeType, 'text/plain')
    t.match(contents[0].text, /^ {2}email +text +NOT NULL/im)
    await t.rejects(client.readResource('db://tables/nope'), { code: -32602, message: /There is no table or view named "nope"/ })
    const cu = await client.complete({ type: 'ref/resource', uri: 'db://tables/{table}' }, { name: 'table', value: 'cu' })
    t.same(cu.completion.values, ['customers'])
    const ord = await client.complete({ type: 'ref/resource', uri: 'db://tables/{table}' }, { name: 'table', value: 'ORD' })
    t.same(ord.completion.values, ['order_items', 'order_totals', 'orders'])
    const item = await client.complete({ type: 'ref/resource', uri: 'db://tables/{table}' }, { name: 'table', value: 'item' })
    t.same(item.completion.values, ['order_items'], 'then names that contain the value')
  })

  t.test('the db_explore prompt lists the tables and carries the topic', async (t) => {
    const { prompts } = await client.listPrompts()
    const explore = prompts.find((prompt: { name: string }) => prompt.name === 'db_explore')
    t.same(explore.arguments.map((a: { name: string, required?: boolean }) => [a.name, a.required ?? false]), [['topic', false]])
    const result = await client.getPrompt('db_explore', { topic: 'which countries order the most' })
    const message = result.messages[0].content.text
    t.match(message, dialect)
    t.match(message, /^order_totals \(view\)$/m)
    t.match(message, /I want to find out: which countries order the most/)
    const overview = await client.getPrompt('db_explore')
    t.match(overview.messages[0].content.text, /Give me an overview/)
  })
})

t.test('a database that cannot be opened fails the start with a clear error', async (t) => {
  const down = await buildTestApp(t, {
    plugins: [{ plugin: db, options: { url: 'postgres://app:hunter2@127.0.0.1:1/shop', connectTimeoutMs: 2000 } }]
  }).then(() => undefined, (error: Error) => error)
  t.match(down?.message, /Cannot connect to PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/shop: .*ECONNREFUSED/)
  t.notMatch(down?.message, /hunter2/, 'the password is not in the error')
  await t.rejects(
    buildTestApp(t, { plugins: [{ plugin: db, options: { url: 'sqlite:/nonexistent/shop.db' } }] }),
    /Cannot open the SQLite file \/nonexistent\/shop\.db \(read-only\)/
  )
  await t.rejects(
    buildTestApp(t, { plugins: [{ plugin: db, options: { url: 'mysql://localhost/x' } }] }),
    /Unsupported database URL mysql:\/\/localhost\/x/
  )
})
