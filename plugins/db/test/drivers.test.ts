/**
 * The driver suite, run the same against every database: the embedded
 * default, a SQLite file and a real PostgreSQL server. Drivers are called
 * directly, without the statement guard, so a refused write here is refused
 * by the engine's read-only mode.
 */
import { rename } from 'node:fs/promises'
import t, { type Test } from 'tap'
import { resolveConfig, type DbOptions } from '../src/config.ts'
import { DbError, type Driver } from '../src/driver.ts'
import { kProcesses, SqliteDriver } from '../src/drivers/sqlite.ts'
import { openDriver } from '../src/open-driver.ts'
import { forEachDatabase, RUNAWAY, type Database } from './fixtures.ts'

const limits = { maxRows: 100, timeoutMs: 5000 }

async function open (t: Test, db: Database, overrides: DbOptions = {}): Promise<Driver> {
  const driver = await openDriver(resolveConfig({ ...db.options, ...overrides }))
  t.teardown(() => driver.close())
  return driver
}

async function failure (promise: Promise<unknown>): Promise<DbError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof DbError) return error
    throw error
  }
  throw new Error('expected the call to fail')
}

forEachDatabase(t, async (t, db) => {
  const driver = await open(t, db)
  const sqlite = db.name !== 'postgres'

  t.test('names its dialect and version', async (t) => {
    t.match(driver.dialect, sqlite ? /^SQLite 3\.\d+\.\d+$/ : /^PostgreSQL \d+\.\d+/)
    t.equal(driver.kind, db.name)
  })

  t.test('answers a query with columns, rows and counts', async (t) => {
    const result = await driver.query('select count(*) as n from customers', [], limits)
    t.same(result, { columns: ['n'], rows: [[60]], rowCount: 1, truncated: false })
  })

  t.test('binds positional parameters', async (t) => {
    const result = await driver.query(`select name, category from products where id = ${db.param(1)} or name = ${db.param(2)} order by id`,
      [1, 'Kettle'], limits)
    t.same(result.rows, [['SQL Basics', 'Books'], ['Kettle', 'Kitchen']])
    const extra = await failure(driver.query(`select ${db.param(1)} as a`, [1, 2], limits))
    t.match(extra.message, sqlite ? /fewer placeholders than the 2 values/ : /bind message supplies 2 parameters, but prepared statement "" requires 1/)
  })

  t.test('returns the same JSON values whatever the engine', async (t) => {
    const result = await driver.query(
      'select c.signed_up_on, p.price, o.status, i.quantity from order_items i ' +
      'join orders o on o.id = i.order_id join customers c on c.id = o.customer_id join products p on p.id = i.product_id ' +
      'where i.order_id = 1 order by i.product_id', [], limits)
    t.same(result.columns, ['signed_up_on', 'price', 'status', 'quantity'])
    t.match(result.rows[0], [/^\d{4}-\d{2}-\d{2}$/, Number, String, Number])
    const totals = await driver.query('select count(*) as orders, sum(quantity) as items from order_items', [], limits)
    t.same(totals.rows, [[435, 1308]], 'the seed is the same everywhere')
  })

  t.test('caps rows and says so', async (t) => {
    const capped = await driver.query('select id from orders order by id', [], { ...limits, maxRows: 5 })
    t.same(capped, { columns: ['id'], rows: [[1], [2], [3], [4], [5]], rowCount: 5, truncated: true })
    const exact = await driver.query('select id from orders where id <= 5 order by id', [], { ...limits, maxRows: 5 })
    t.equal(exact.truncated, false, 'exactly the cap is not truncated')
    const none = await driver.query('select id from orders where id < 0', [], limits)
    t.same(none, { columns: ['id'], rows: [], rowCount: 0, truncated: false })
  })

  t.test('the engine refuses writes and several statements', async (t) => {
    const write = await failure(driver.query('delete from order_items', [], limits))
    t.equal(write.code, 'query')
    // SQLite: the authorizer refuses first; that the file is read-only by itself is shown in sqlite-file.test.ts.
    t.match(write.message, sqlite ? /not authorized/ : /read-only transaction/)
    // A write the keyword guard lets through (it starts with WITH) is refused by the engine too.
    const hidden = sqlite
      ? 'with x as (select 1) delete from order_items'
      : 'with x as (delete from order_items returning *) select count(*) from x'
    t.match((await failure(driver.query(hidden, [], limits))).message, sqlite ? /not authorized/ : /PostgreSQL refused a write: cannot execute .* in a read-only transaction/)
    const ddl = await failure(driver.query('drop table order_items', [], limits))
    t.match(ddl.message, sqlite ? /not authorized/ : /read-only transaction/)
    const two = await failure(driver.query('select 1; delete from order_items', [], limits))
    t.match(two.message, sqlite ? /one statement per call: SQLite found more than one/i : /cannot insert multiple commands into a prepared statement/)
    t.same((await driver.query('select count(*) from order_items', [], limits)).rows, [[435]], 'nothing was deleted')
  })

  t.test('a bad query is a query error carrying the engine message', async (t) => {
    const error = await failure(driver.query('select nope from customers', [], limits))
    t.equal(error.code, 'query')
    t.match(error.message, sqlite ? /no such column: nope/ : /column "nope" does not exist \(at character 8\)/)
  })

  t.test('lists tables and views', async (t) => {
    const tables = await driver.listTables()
    for (const name of ['customers', 'order_items', 'orders', 'products', 'schema_migrations']) {
      t.ok(tables.some((table) => table.name === name && table.type === 'table'), `${name} is a table`)
    }
    t.ok(tables.some((table) => table.name === 'order_totals' && table.type === 'view'), 'order_totals is a view')
  })

  t.test('describes a table: columns, keys, references, indexes', async (t) => {
    const table = await driver.describeTable('order_items')
    t.ok(table)
    if (table === undefined) return
    t.same(table.columns.map((c) => [c.name, c.primaryKey, c.nullable]),
      [['order_id', 1, false], ['product_id', 2, false], ['quantity', 0, false], ['unit_price', 0, false]])
    t.match(table.columns[3].type, /^numeric\(10, ?2\)$/)
    t.same(table.foreignKeys.map((k) => `${k.columns.join()}->${k.referencedTable}(${k.referencedColumns.join()})`).sort(),
      ['order_id->orders(id)', 'product_id->products(id)'])
    t.ok(table.indexes.some((index) => index.name === 'order_items_product_id' && index.columns[0] === 'product_id' && !index.unique))
    t.equal((await driver.describeTable('ORDERS'))?.name, 'orders', 'unquoted names match in any case')
    t.equal((await driver.describeTable('order_totals'))?.type, 'view')
    t.equal(await driver.describeTable('no_such_table'), undefined)
  })

  t.test('a runaway query hits the time limit while other calls are answered', async (t) => {
    let runawayEnded = false
    const runaway = failure(driver.query(RUNAWAY, [], { ...limits, timeoutMs: 1500 })).finally(() => { runawayEnded = true })
    for (let i = 0; i < 3; i++) {
      t.same((await driver.query(`select ${i} as i`, [], limits)).rows, [[i]])
      t.same((await driver.listTables()).length > 0, true)
    }
    t.equal(runawayEnded, false, 'the other calls were answered while the runaway query ran')
    const error = await runaway
    t.equal(error.code, 'timeout')
    t.match(error.message, /stopped after the 1500 ms statement time limit/)
    t.same((await driver.query('select 1 as ok', [], limits)).rows, [[1]], 'and the next query works')
  })

  t.test('cancelling a call stops its query and frees the connection (pool of one)', async (t) => {
    const single = await open(t, db, { poolSize: 1 })
    for (let round = 0; round < 2; round++) {
      const controller = new AbortController()
      const long = failure(single.query(sqlite ? RUNAWAY : 'select pg_sleep(30)', [], { ...limits, timeoutMs: 30_000, signal: controller.signal }))
      setTimeout(() => controller.abort(), 200)
      const error = await long
      t.equal(error.code, 'cancelled')
      t.match(error.message, /cancelled/)
      t.same((await single.query('select 2 as next', [], limits)).rows, [[2]], `round ${round + 1}: the next query gets the connection`)
    }
    const aborted = new AbortController()
    aborted.abort()
    t.equal((await failure(single.query('select 1', [], { ...limits, signal: aborted.signal }))).code, 'cancelled', 'already cancelled: not run')
    if (!sqlite) {
      const running = await single.query("select count(*) from pg_stat_activity where query like 'select pg_sleep(30)%' and state = 'active'", [], limits)
      t.same(running.rows, [[0]], 'no cancelled query is still running on the server')
    }
  })

  if (sqlite) sqliteOnly(t, db, driver as SqliteDriver)
  else postgresOnly(t, db, driver)
})

function sqliteOnly (t: Test, db: Database, driver: SqliteDriver): void {
  t.test('a query over the memory limit fails cleanly and the driver keeps serving', async (t) => {
    const small = await open(t, db, { poolSize: 1, memoryLimitMb: 64 })
    const error = await failure(small.query(
      'select length(group_concat(hex(randomblob(1000)))) from (' +
      'with recursive n(i) as (select 1 union all select i + 1 from n where i < 200000) select i from n)', [], limits))
    t.equal(error.code, 'memory')
    t.match(error.message, /more than the 64 MiB memory limit/)
    t.same((await small.query('select 1', [], limits)).rows, [[1]], 'a fresh process took over')
  })

  t.test('a process that dies is replaced, failing only its own query', async (t) => {
    const before = driver.restarts
    const running = failure(driver.query(RUNAWAY, [], limits))
    // Let the query reach its process, then kill every process as a crash would.
    await new Promise((resolve) => setTimeout(resolve, 200))
    for (const pid of driver[kProcesses]()) process.kill(pid, 'SIGKILL')
    const error = await running
    t.equal(error.code, 'unavailable')
    t.match(error.message, /stopped while running the query and is being restarted/)
    t.same((await driver.query('select count(*) from customers', [], limits)).rows, [[60]], 'the restarted worker has the data')
    t.ok(driver.restarts >= before + 1, 'restarted')
  })

  if (db.path !== undefined) {
    const path = db.path
    t.test('a file that is gone gives errors, and the driver recovers when it is back', async (t) => {
      const single = await open(t, db, { poolSize: 1 }) as SqliteDriver
      await rename(path, `${path}.away`)
      // An open process keeps its file open (and answering) until it must be restarted.
      t.same((await single.query('select 1', [], limits)).rows, [[1]])
      await failure(single.query(RUNAWAY, [], { ...limits, timeoutMs: 300 }))
      const down = await failure(single.query('select 1', [], limits))
      t.equal(down.code, 'unavailable')
      t.match(down.message, /could not be opened: cannot read .*demo\.db: unable to open database file/)
      await rename(`${path}.away`, path)
      t.same((await single.query('select count(*) from customers', [], limits)).rows, [[60]], 'back')
    })
  }

  t.test('opening fails clearly', async (t) => {
    await t.rejects(openDriver(resolveConfig({ url: 'sqlite:/nonexistent/x.db', poolSize: 1, env: {} })),
      /Cannot open the SQLite file \/nonexistent\/x\.db \(read-only\): The SQLite database could not be opened: cannot read \/nonexistent\/x\.db: unable to open database file/)
    await t.rejects(openDriver(resolveConfig({ url: `sqlite:${new URL(import.meta.url).pathname}`, poolSize: 1, env: {} })),
      /is not a readable SQLite database: file is not a database/)
  })
}

function postgresOnly (t: Test, db: Database, driver: Driver): void {
  const server = db.server
  if (server === undefined) return

  t.test('a server that goes down gives tool errors, and the driver recovers when it comes back', async (t) => {
    t.same((await driver.query('select 1', [], limits)).rows, [[1]], 'a pooled connection exists')
    await server.stop()
    const down = await failure(driver.query('select 1', [], limits))
    t.equal(down.code, 'unavailable')
    t.match(down.message, /PostgreSQL is unavailable: .*(ECONNREFUSED|terminat|closed)/i)
    await server.start()
    t.same((await driver.query('select count(*) from customers', [], limits)).rows, [[60]], 'back')
  })

  t.test('a server that is down at start gives a clear start error without the password', async (t) => {
    const url = server.url.replace('postgres@', 'postgres:s3cret@').replace(`:${server.port}/`, ':1/')
    const error = await openDriver(resolveConfig({ url, env: {}, connectTimeoutMs: 2000 })).then(() => undefined, (e: Error) => e)
    t.match(error?.message, /^Cannot connect to PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres: .*ECONNREFUSED/)
    t.notMatch(error?.message, /s3cret/)
  })

  t.test('a pool that stays busy says so, rather than blaming the server', async (t) => {
    const single = await open(t, db, { poolSize: 1, connectTimeoutMs: 300 })
    const controller = new AbortController()
    const long = failure(single.query('select pg_sleep(30)', [], { ...limits, timeoutMs: 30_000, signal: controller.signal }))
    await new Promise((resolve) => setTimeout(resolve, 100))
    const busy = await failure(single.query('select 1', [], limits))
    t.equal(busy.code, 'unavailable')
    t.match(busy.message, /All 1 database connections stayed busy for 300 ms/)
    controller.abort()
    t.equal((await long).code, 'cancelled')
  })

  t.test('each call starts from a clean session', async (t) => {
    const single = await open(t, db, { poolSize: 1 })
    await single.query('select pg_advisory_lock(42)', [], limits)
    const locks = await single.query("select count(*) from pg_locks where locktype = 'advisory'", [], limits)
    t.same(locks.rows, [[0]], 'a session lock taken by one call does not outlive it')
    const readOnly = await single.query("select current_setting('transaction_read_only'), current_setting('default_transaction_read_only')", [], limits)
    t.same(readOnly.rows, [['on', 'on']])
  })

  t.test('numbers and dates keep their exact values', async (t) => {
    const result = await driver.query(
      "select 9007199254740993::int8 as big, 12345678901234567890.5::numeric as wide, 19.90::numeric(10,2) as price, date '2024-02-29' as day", [], limits)
    t.same(result.rows, [['9007199254740993', '12345678901234567890.5', 19.9, '2024-02-29']])
  })
}
