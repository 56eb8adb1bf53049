/**
 * Loads the demo schema and rows into a PostgreSQL database you own, so the
 * db plugin has something to show there too. It writes (the plugin never
 * does), and applies only the migrations not yet recorded in
 * schema_migrations:
 *
 *   DATABASE_URL=postgres://user:pass@localhost:5432/demo node plugins/db/scripts/seed-postgres.ts
 */
import pg from 'pg'
import { redactUrl } from '../src/config.ts'
import { applyMigrations, loadMigrations } from '../src/migrations.ts'

const url = process.argv[2] ?? process.env.DATABASE_URL
if (url === undefined || !/^postgres(ql)?:/.test(url)) {
  console.error('usage: seed-postgres.ts postgres://user@host:5432/db (or set DATABASE_URL)')
  process.exit(2)
}
const client = new pg.Client({ connectionString: url })
try {
  await client.connect()
  const applied = await applyMigrations({ exec: (sql) => client.query(sql), rows: async (sql) => (await client.query(sql)).rows }, loadMigrations())
  console.log(applied.length > 0 ? `applied migrations ${applied.join(', ')} to ${redactUrl(url)}` : `${redactUrl(url)} is up to date`)
} catch (error) {
  console.error(`seeding ${redactUrl(url)} failed: ${(error as Error).message}`)
  process.exitCode = 1
} finally {
  await client.end().catch(() => {})
}
