/** Versioned migrations and the deterministic seed. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import t from 'tap'
import { generateSeedSql, seedPath } from '../scripts/generate-seed.ts'
import { applyMigrations, loadMigrations, type MigrationTarget } from '../src/migrations.ts'

function memoryDb (): { target: MigrationTarget, all: (sql: string) => unknown[][] } {
  const db = new DatabaseSync(':memory:')
  const all = (sql: string): unknown[][] => {
    const stmt = db.prepare(sql)
    stmt.setReturnArrays(true)
    return stmt.all() as unknown as unknown[][]
  }
  const target: MigrationTarget = {
    exec: (sql) => db.exec(sql),
    rows: (sql) => db.prepare(sql).all() as Array<Record<string, unknown>>
  }
  return { target, all }
}

t.test('the migrations load in version order', async (t) => {
  t.same(loadMigrations().map((m) => [m.version, m.name]), [[1, 'schema'], [2, 'seed'], [3, 'order_totals']])
})

t.test('applied in order, recorded, and applied only once', async (t) => {
  const { target, all } = memoryDb()
  t.same(await applyMigrations(target, loadMigrations()), [1, 2, 3])
  t.same(all('select version, name from schema_migrations order by version'), [[1, 'schema'], [2, 'seed'], [3, 'order_totals']])
  t.same(await applyMigrations(target, loadMigrations()), [], 'a second run applies nothing')
  t.same(all('select (select count(*) from customers), (select count(*) from products), (select count(*) from orders), (select count(*) from order_items)'),
    [[60, 30, 180, 435]])
  t.same(all('pragma foreign_key_check'), [], 'every reference points at a row')
})

t.test('a failing migration is rolled back and named', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'migrations-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, '001_ok.sql'), 'create table a (x integer);')
  await writeFile(join(dir, '002_bad.sql'), 'create table b (x integer); insert into nope values (1);')
  const { target, all } = memoryDb()
  await t.rejects(applyMigrations(target, loadMigrations(dir)), /Migration 002_bad failed: no such table: nope/)
  t.same(all("select name from sqlite_schema where type = 'table' and name in ('a', 'b')"), [['a']], '002 left nothing behind')
  t.same(all('select version from schema_migrations'), [[1]])
  await writeFile(join(dir, '3_oops.txt.sql'), '')
  t.throws(() => loadMigrations(dir), /must be named NNN_name\.sql/)
})

t.test('the committed seed is what the seeded generator writes', async (t) => {
  t.equal(await readFile(seedPath, 'utf8'), generateSeedSql(), 'run scripts/generate-seed.ts after changing the generator')
  t.equal(generateSeedSql(), generateSeedSql(), 'deterministic')
})
