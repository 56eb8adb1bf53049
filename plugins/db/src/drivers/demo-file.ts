/**
 * The embedded demo database, as a file: built from the migrations into a
 * temporary folder when the plugin starts (a few ms), then opened read-only
 * like any SQLite file, so the demo and a real file share one engine and one
 * set of guarantees. The folder is removed when the driver closes, or at the
 * latest when the process exits (a server stopped without closing, say).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { applyMigrations, type Migration } from '../migrations.ts'

export interface DemoFile {
  path: string
  remove (): void
}

export async function buildDemoFile (migrations: Migration[]): Promise<DemoFile> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-db-demo-'))
  const path = join(dir, 'demo.db')
  try {
    const db = new DatabaseSync(path)
    try {
      await applyMigrations({ exec: (sql) => db.exec(sql), rows: (sql) => db.prepare(sql).all() as Array<Record<string, unknown>> }, migrations)
    } finally {
      db.close()
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const remove = (): void => {
    process.removeListener('exit', remove)
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', remove)
  return { path, remove }
}
