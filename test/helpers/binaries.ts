/**
 * Finding the system servers integration tests start (redis-server, nginx,
 * PostgreSQL), and what a test does when one is missing: under CI=true it
 * fails (CI must install the Debian package); locally it is skipped with a
 * reason loud enough to notice.
 */
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { Test } from 'tap'

/** The executable `name` on the PATH or in the sbin folders (nginx lives there), or `override` when set. */
export function findBinary (name: string, override?: string): string | undefined {
  if (override !== undefined && override !== '') return executable(override) ? override : undefined
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin']
  return dirs.filter((dir) => dir !== '').map((dir) => join(dir, name)).find(executable)
}

function executable (path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Fails `t` under CI=true, else skips it with a banner on stderr. */
export function missingBinary (t: Test, what: string, reason: string): void {
  if (process.env.CI === 'true') {
    t.fail(`${reason} (required under CI=true)`)
  } else {
    process.stderr.write(`\n${'!'.repeat(78)}\n!! SKIPPING ${what} tests: ${reason}\n${'!'.repeat(78)}\n\n`)
    t.pass(`SKIPPED: ${reason}`, { skip: reason })
  }
}
