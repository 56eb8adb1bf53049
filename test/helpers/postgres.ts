/**
 * A throwaway PostgreSQL server for tests: `initdb` in a temp folder, started
 * with `pg_ctl` on a free loopback port (unix sockets in the same folder),
 * trust auth, no fsync. Teardown stops it (`-m immediate`) and removes the
 * folder, also when the test fails.
 *
 * PostgreSQL refuses to run as root, so as root the commands run as the
 * `postgres` system user (Debian's package creates it) through `runuser`.
 *
 * Missing binaries: under CI=true the test fails (CI must install Debian's
 * `postgresql` package); locally the test is skipped with a loud reason.
 * The binaries are found with `pg_config --bindir`, then in Debian's
 * /usr/lib/postgresql/<version>/bin, or in $POSTGRES_BIN when set.
 *
 *   const pg = await startPostgres(t)
 *   if (pg === undefined) return  // skipped
 *   … pg.url …
 */
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { chown, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Test } from 'tap'
import { missingBinary } from './binaries.ts'

const run = promisify(execFile)

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth: no password). */
  url: string
  port: number
  /** The PostgreSQL major version, e.g. 15. */
  version: number
  /** Stops the server now (for "the database goes down" tests); `start()` brings it back on the same port. */
  stop (): Promise<void>
  start (): Promise<void>
}

/** The folder holding initdb/pg_ctl, or undefined. */
export function findPostgresBin (): string | undefined {
  const candidates: string[] = []
  // POSTGRES_BIN points at another installation (or, set to an empty folder, shows the skip/fail path).
  const override = process.env.POSTGRES_BIN
  if (override !== undefined && override !== '') {
    return existsSync(join(override, 'initdb')) && existsSync(join(override, 'pg_ctl')) ? override : undefined
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
  } catch {}
  try {
    // Debian keeps the server binaries per major version, off the PATH.
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`))
  } catch {}
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')))
}

/**
 * Starts a server for test `t`, or returns undefined after skipping `t`
 * (locally) or failing it (CI=true) when PostgreSQL is not installed.
 */
export async function startPostgres (t: Test): Promise<PostgresServer | undefined> {
  const bin = findPostgresBin()
  if (bin === undefined) {
    missingBinary(t, 'PostgreSQL', 'PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian\'s "postgresql" package')
    return undefined
  }

  const asRoot = process.getuid?.() === 0
  const pg = async (command: string, args: string[]): Promise<void> => {
    const file = join(bin, command)
    if (asRoot) await run('runuser', ['-u', 'postgres', '--', file, ...args], { env: { ...process.env, LC_ALL: 'C' } })
    else await run(file, args, { env: { ...process.env, LC_ALL: 'C' } })
  }

  const dir = await mkdtemp(join(tmpdir(), 'pgtest-'))
  const data = join(dir, 'data')
  const log = join(dir, 'server.log')
  if (asRoot) await chown(dir, ...postgresIds())
  const port = await freePort()
  let running = false

  const stopNow = async (): Promise<void> => {
    if (!running) return
    running = false
    await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
  }
  // If the test process exits without its teardown (a crash), do not leave a server behind.
  const onExit = (): void => {
    if (!running) return
    const file = join(bin, 'pg_ctl')
    const args = ['-D', data, '-m', 'immediate', 'stop']
    try {
      if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: 'ignore' })
      else execFileSync(file, args, { stdio: 'ignore' })
    } catch {}
  }
  process.once('exit', onExit)
  t.teardown(async () => {
    await stopNow()
    process.removeListener('exit', onExit)
    await rm(dir, { recursive: true, force: true })
  })

  const start = async (): Promise<void> => {
    const options = [
      '-c listen_addresses=127.0.0.1', `-p ${port}`, `-k ${dir}`,
      // A test server: durability off, startup and writes fast.
      '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'
    ].join(' ')
    try {
      await pg('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', options, 'start'])
    } catch (error) {
      throw new Error(`pg_ctl start failed: ${(error as Error).message}\n${readLog(log)}`)
    }
    running = true
  }

  try {
    await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'])
  } catch (error) {
    throw new Error(`initdb failed: ${(error as Error).message}`)
  }
  await start()
  const version = Number(/\d+/.exec(readFileSync(join(data, 'PG_VERSION'), 'utf8'))?.[0])
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, version, stop: stopNow, start }
}

function postgresIds (): [number, number] {
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
    return [id('-u'), id('-g')]
  } catch {
    throw new Error('running as root needs the "postgres" system user (Debian\'s postgresql package creates it)')
  }
}

function readLog (path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n')
  } catch {
    return '(no server log)'
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')))
    })
  })
}
