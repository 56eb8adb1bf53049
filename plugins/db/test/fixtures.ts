/**
 * The three databases the suites run against, each holding the demo data:
 * the embedded default, a SQLite file written from the same migrations, and a
 * real PostgreSQL server started for the test and seeded with them too.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import pg from 'pg'
import type { Test } from 'tap'
import { startPostgres, type PostgresServer } from '../../../test/helpers/postgres.ts'
import type { DbOptions } from '../src/config.ts'
import { applyMigrations, loadMigrations } from '../src/migrations.ts'

export interface Database {
  name: 'embedded' | 'sqlite-file' | 'postgres'
  /** Plugin options reaching this database (`url` unset for the embedded one). */
  options: DbOptions
  /** The n-th positional parameter in this dialect. */
  param (n: number): string
  /** For the SQLite file. */
  path?: string
  /** For PostgreSQL. */
  server?: PostgresServer
}

/** Opens each database in turn (a missing PostgreSQL skips or fails per the helper) and runs `suite` on it. */
export function forEachDatabase (t: Test, suite: (t: Test, db: Database) => Promise<void>): void {
  t.test('embedded', async (t) => {
    await suite(t, { name: 'embedded', options: { env: {} }, param: () => '?' })
  })
  t.test('sqlite-file', async (t) => {
    const path = await writeDemoFile(t)
    await suite(t, { name: 'sqlite-file', options: { url: `sqlite:${path}`, env: {} }, param: () => '?', path })
  })
  t.test('postgres', async (t) => {
    const server = await startPostgres(t)
    if (server === undefined) return
    await seedPostgres(server.url)
    await suite(t, { name: 'postgres', options: { url: server.url, env: {} }, param: (n) => `$${n}`, server })
  })
}

/** A SQLite file holding the demo data, removed after the test. */
export async function writeDemoFile (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'db-plugin-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'demo.db')
  const db = new DatabaseSync(path)
  await applyMigrations({ exec: (sql) => db.exec(sql), rows: (sql) => db.prepare(sql).all() as Array<Record<string, unknown>> }, loadMigrations())
  db.close()
  return path
}

/** The same migrations, applied to PostgreSQL. */
export async function seedPostgres (url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await applyMigrations({ exec: (sql) => client.query(sql), rows: async (sql) => (await client.query(sql)).rows }, loadMigrations())
  } finally {
    await client.end()
  }
}

/** A runaway query: a recursive CTE without end, valid in both dialects. */
export const RUNAWAY = 'with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) as c from n'
