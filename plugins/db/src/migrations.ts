/**
 * Versioned SQL migrations: `migrations/NNN_name.sql`, applied in order, each
 * in its own transaction and recorded in `schema_migrations`, so a database
 * that has some of them gets only the rest. The runner only needs a way to
 * execute SQL text, so it seeds the embedded SQLite (inside its worker) and a
 * PostgreSQL server (in the tests) alike.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Migration {
  version: number
  name: string
  sql: string
}

export interface MigrationTarget {
  /** Runs SQL text that may hold several statements. */
  exec (sql: string): unknown
  /** Runs one query and returns its rows as objects. */
  rows (sql: string): Array<Record<string, unknown>> | Promise<Array<Record<string, unknown>>>
}

export const migrationsDir = fileURLToPath(new URL('../migrations/', import.meta.url))

export function loadMigrations (dir: string = migrationsDir): Migration[] {
  const migrations: Migration[] = []
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue
    const match = /^(\d+)_([\w-]+)\.sql$/.exec(file)
    if (match === null) throw new Error(`Migration file ${file} must be named NNN_name.sql`)
    const version = Number(match[1])
    if (migrations.some((m) => m.version === version)) throw new Error(`Two migrations have version ${version}`)
    migrations.push({ version, name: match[2], sql: readFileSync(join(dir, file), 'utf8') })
  }
  return migrations.sort((a, b) => a.version - b.version)
}

/** Applies the migrations not yet recorded; returns the versions applied now. */
export async function applyMigrations (target: MigrationTarget, migrations: Migration[]): Promise<number[]> {
  await target.exec(
    'create table if not exists schema_migrations (' +
    'version integer primary key, name text not null, applied_at timestamp not null default current_timestamp)'
  )
  const done = new Set((await target.rows('select version from schema_migrations')).map((row) => Number(row.version)))
  const applied: number[] = []
  for (const migration of migrations) {
    if (done.has(migration.version)) continue
    await target.exec('begin')
    try {
      await target.exec(migration.sql)
      // Version and name come from a file name matched by /^\d+_[\w-]+$/: safe to inline.
      await target.exec(`insert into schema_migrations (version, name) values (${migration.version}, '${migration.name}')`)
      await target.exec('commit')
    } catch (error) {
      await target.exec('rollback')
      const id = `${String(migration.version).padStart(3, '0')}_${migration.name}`
      throw new Error(`Migration ${id} failed: ${(error as Error).message}`, { cause: error })
    }
    applied.push(migration.version)
  }
  return applied
}
