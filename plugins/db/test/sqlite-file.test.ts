/**
 * A SQLite file for real: opened natively and read-only at the engine level
 * (`pragma query_only = 0` cannot make it writable, even with the authorizer
 * off), the authorizer refusing writes, ATTACH and pragma writes, the file
 * untouched byte for byte, and a file of a few hundred MB queried with the
 * SQLite process's memory far below the file's size.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import t from 'tap'
import { resolveConfig } from '../src/config.ts'
import { DbError } from '../src/driver.ts'
import { processRssBytes } from '../src/drivers/process-rss.ts'
import { kProcesses, type SqliteDriver } from '../src/drivers/sqlite.ts'
import { openReadOnly } from '../src/drivers/sqlite-engine.ts'
import { openDriver } from '../src/open-driver.ts'
import { writeDemoFile } from './fixtures.ts'

const limits = { maxRows: 100, timeoutMs: 60_000 }
const digest = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex')

async function refusal (work: () => unknown): Promise<string> {
  try {
    await work()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected a refusal')
}

t.test('read-only at the engine level: query_only = 0 does not make the file writable', async (t) => {
  const path = await writeDemoFile(t)
  const before = await digest(path)
  // The authorizer off: only the read-only open stands between a write and the file.
  const bare = openReadOnly(path, { authorizer: false })
  t.teardown(() => bare.close())
  bare.exec('pragma query_only = 0')
  t.match(await refusal(() => bare.exec('delete from order_items')), /attempt to write a readonly database/)
  t.match(await refusal(() => bare.exec('create table x (a)')), /attempt to write a readonly database/)
  t.match(await refusal(() => bare.exec('pragma user_version = 7')), /attempt to write a readonly database/)
  t.equal(await digest(path), before, 'the file is unchanged')
})

t.test('the authorizer refuses writes, ATTACH, transactions and pragma writes before they run', async (t) => {
  const path = await writeDemoFile(t)
  const before = await digest(path)
  const db = openReadOnly(path)
  t.teardown(() => db.close())
  for (const sql of [
    'pragma query_only = 0', 'pragma journal_mode = wal', 'insert into customers (id) values (999)', 'create temp table x (a)',
    `attach '${path}' as other`, 'begin', 'drop view order_totals', 'vacuum'
  ]) {
    t.match(await refusal(() => db.exec(sql)), /not authorized|authorization denied/, sql)
  }
  t.same(db.prepare('select count(*) from customers').all(), [[60n]], 'reads work')
  t.same(db.prepare('pragma table_info(customers)').all().length > 0, true, 'reading pragmas work')
  t.same(db.prepare("select count(*) from pragma_index_list('orders')").all().length, 1, 'and pragma functions')
  t.same(db.prepare('pragma query_only').all(), [[1n]])
  t.equal(await digest(path), before, 'the file is unchanged')
})

t.test('through the driver (guard bypassed), writes stay refused and the file unchanged', async (t) => {
  const path = await writeDemoFile(t)
  const before = await digest(path)
  const driver = await openDriver(resolveConfig({ url: `sqlite:${path}`, env: {}, poolSize: 1 }))
  t.teardown(() => driver.close())
  for (const sql of ['pragma query_only = 0', 'update products set price = 0', `attach '${path}' as other`]) {
    const error = await driver.query(sql, [], limits).then(() => undefined, (e: DbError) => e)
    t.equal(error?.code, 'query', sql)
    t.match(error?.message, /not authorized/)
  }
  t.same((await driver.query('select count(*) from products where price > 0', [], limits)).rows, [[30]])
  t.equal(await digest(path), before)
})

t.test('a big file is queried with the process\'s memory far below its size', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'db-big-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'big.db')
  const rows = 3000
  const writer = new DatabaseSync(path)
  writer.exec('pragma journal_mode = off; pragma synchronous = off; create table big (id integer primary key, b blob)')
  writer.exec(`insert into big (b) select randomblob(100000) from (with recursive n(i) as (select 1 union all select i + 1 from n where i < ${rows}) select i from n)`)
  writer.close()
  const size = (await stat(path)).size
  t.ok(size > 290_000_000, `a ${Math.round(size / 1e6)} MB file`)

  const driver = await openDriver(resolveConfig({ url: `sqlite:${path}`, env: {}, poolSize: 1 })) as SqliteDriver
  t.teardown(() => driver.close())
  const [pid] = driver[kProcesses]()
  const idle = await processRssBytes(pid) ?? 0
  let peak = idle
  const sampler = setInterval(() => { void processRssBytes(pid).then((rss) => { peak = Math.max(peak, rss ?? 0) }) }, 20)
  // Every blob is read whole (substr of the last byte walks each one's overflow pages).
  const result = await driver.query('select count(*), sum(length(b)), count(distinct hex(substr(b, -1))) > 1 from big', [], limits)
  clearInterval(sampler)
  t.same(result.rows, [[rows, rows * 100_000, 1]], 'every row was read')
  t.comment(`file ${Math.round(size / 1e6)} MB; SQLite process RSS idle ${Math.round(idle / 1e6)} MB, peak ${Math.round(peak / 1e6)} MB during a full scan`)
  t.ok(peak < size / 2, 'the process never held the file in memory')
  t.same((await driver.query('select id, length(b) from big where id = 2999', [], limits)).rows, [[2999, 100_000]], 'a point lookup')
})
