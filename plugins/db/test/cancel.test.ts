/**
 * Cancelling without respawning: PostgreSQL cancels the statement and keeps
 * the connection (the same backend answers next); SQLite lets a cancelled
 * query that ends within the grace keep its process, kills only one that
 * does not, and spaces restarts out, so 40 dropped endless queries in a row
 * cost a few restarts rather than 40.
 */
import t from 'tap'
import { resolveConfig } from '../src/config.ts'
import { DbError, type Driver } from '../src/driver.ts'
import { CANCEL_GRACE_MS, kProcesses, type SqliteDriver } from '../src/drivers/sqlite.ts'
import { openDriver } from '../src/open-driver.ts'
import { forEachDatabase, RUNAWAY } from './fixtures.ts'

const limits = { maxRows: 100, timeoutMs: 30_000 }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs `sql`, aborting it after `afterMs`; resolves with how it ended. */
async function dropped (driver: Driver, sql: string, afterMs: number): Promise<'cancelled' | 'answered'> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), afterMs)
  try {
    await driver.query(sql, [], { ...limits, signal: controller.signal })
    return 'answered'
  } catch (error) {
    if (error instanceof DbError && error.code === 'cancelled') return 'cancelled'
    throw error
  } finally {
    clearTimeout(timer)
  }
}

forEachDatabase(t, async (t, db) => {
  if (db.name === 'postgres') {
    t.test('a cancelled statement keeps its connection: the same backend answers next', async (t) => {
      const driver = await openDriver(resolveConfig({ ...db.options, poolSize: 1 }))
      t.teardown(() => driver.close())
      const pid = async () => (await driver.query('select pg_backend_pid()', [], limits)).rows[0][0]
      const before = await pid()
      for (let i = 0; i < 3; i++) t.equal(await dropped(driver, 'select pg_sleep(30)', 200), 'cancelled')
      t.equal(await pid(), before, 'no connection was destroyed and replaced')
    })
    return
  }

  t.test('a cancelled query that ends within the grace keeps its process', async (t) => {
    const driver = await openDriver(resolveConfig({ ...db.options, poolSize: 1 })) as SqliteDriver
    t.teardown(() => driver.close())
    const [pid] = driver[kProcesses]()
    // A query of some tens of ms, dropped after 5 ms: it ends well within the grace.
    const short = 'with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000) select count(*) from n'
    const outcomes = []
    for (let i = 0; i < 10; i++) {
      outcomes.push(await dropped(driver, short, 5))
      // Waits for the process to be free again (its query ending within the grace), so the next one runs rather than waits.
      t.same((await driver.query('select 1', [], limits)).rows, [[1]])
    }
    t.comment(`10 short queries dropped after 5 ms: ${outcomes.filter((o) => o === 'cancelled').length} cancelled, ` +
      `${driver.keptAfterCancel} kept their process, ${driver.restarts} restarts (grace ${CANCEL_GRACE_MS} ms)`)
    t.ok(outcomes.includes('cancelled'), 'some were cancelled mid-query')
    t.ok(driver.keptAfterCancel >= 1, 'a cancelled query ended on its own and kept its process')
    t.equal(driver.restarts, 0, 'no process was restarted')
    t.same(driver[kProcesses](), [pid], 'the same process serves on')
    t.same((await driver.query('select 1', [], limits)).rows, [[1]])
  })

  t.test('an endless query that is dropped is killed after the grace, and the next call is served', async (t) => {
    const driver = await openDriver(resolveConfig({ ...db.options, poolSize: 1 })) as SqliteDriver
    t.teardown(() => driver.close())
    const [pid] = driver[kProcesses]()
    t.equal(await dropped(driver, RUNAWAY, 100), 'cancelled')
    t.same((await driver.query('select 1', [], limits)).rows, [[1]])
    t.equal(driver.restarts, 1)
    t.not(driver[kProcesses]()[0], pid, 'a fresh process')
  })

  t.test('40 dropped endless queries in a row: restarts are spaced out', async (t) => {
    const driver = await openDriver(resolveConfig({ ...db.options, poolSize: 2 })) as SqliteDriver
    t.teardown(() => driver.close())
    const started = performance.now()
    const cpuBefore = process.cpuUsage()
    for (let i = 0; i < 40; i++) t.equal(await dropped(driver, RUNAWAY, 150), 'cancelled', `query ${i + 1} cancelled`)
    const ms = performance.now() - started
    const cpu = process.cpuUsage(cpuBefore)
    t.comment(`40 dropped queries in ${Math.round(ms)} ms: ${driver.restarts} restarts, ` +
      `${driver.keptAfterCancel} kept, this process ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU`)
    // The throttle allows a burst of one per slot, then one per 500 ms: the count follows from the time taken.
    t.ok(driver.restarts <= 2 + Math.ceil(ms / 500) + 1, `at most the throttle's rate (${driver.restarts})`)
    t.ok(driver.restarts < 40, 'fewer restarts than dropped queries')
    await sleep(1000)
    t.same((await driver.query('select 1', [], limits)).rows, [[1]], 'and the driver answers')
  })
})
