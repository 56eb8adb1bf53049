/**
 * Options and environment, resolved once at start: which driver, and the
 * limits. Options win over the environment. The URL may carry a password,
 * so it is only ever shown through `redactUrl`.
 */
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface DbOptions {
  /** `postgres://…`, `sqlite:/path/file.db`, `file:/path/file.db`; unset: the embedded demo database. Overrides DATABASE_URL. */
  url?: string
  /** Statement time limit (default 5000; env DB_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number
  /** Row cap per query (default 100; env DB_MAX_ROWS). */
  maxRows?: number
  /** Bytes of cell data one SQLite result may carry before rows stop (cells are cut first). */
  maxResultBytes?: number
  /** Concurrent queries: PostgreSQL pool size (default 5) or SQLite process count (default 4); env DB_POOL_SIZE. */
  poolSize?: number
  /** Queries that may wait for a free connection; one more is refused at once (default 32; env DB_MAX_QUEUE). */
  maxQueue?: number
  /** How long a query may wait for a free connection, apart from its statement time (default 5000; env DB_QUEUE_TIMEOUT_MS). */
  queueTimeoutMs?: number
  /** Queries one client (principal, else address) may have running or waiting (default 2; env DB_MAX_CONCURRENT_PER_CLIENT). */
  maxConcurrentPerClient?: number
  /** Memory a SQLite process may use beyond its idle size, in MiB; over it the process is killed (default 256; env DB_MEMORY_LIMIT_MB). */
  memoryLimitMb?: number
  /** How long to wait for PostgreSQL connections (default 5000; env DB_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number
  /** Where to read the variables above (default: process.env); for tests. */
  env?: Record<string, string | undefined>
}

export type DriverTarget =
  | { kind: 'embedded' }
  | { kind: 'sqlite-file', path: string }
  | { kind: 'postgres', url: string }

export interface DbConfig {
  target: DriverTarget
  statementTimeoutMs: number
  maxRows: number
  maxResultBytes: number
  poolSize: number
  maxQueue: number
  queueTimeoutMs: number
  maxConcurrentPerClient: number
  memoryLimitMb: number
  connectTimeoutMs: number
}

export function resolveConfig (options: DbOptions = {}): DbConfig {
  const env = options.env ?? process.env
  const url = options.url ?? env.DATABASE_URL
  const target = parseTarget(url === '' ? undefined : url)
  return {
    target,
    statementTimeoutMs: positiveInt('statementTimeoutMs', options.statementTimeoutMs, 'DB_STATEMENT_TIMEOUT_MS', env, 5000),
    maxRows: positiveInt('maxRows', options.maxRows, 'DB_MAX_ROWS', env, 100),
    maxResultBytes: positiveInt('maxResultBytes', options.maxResultBytes, 'DB_MAX_RESULT_BYTES', env, 1_048_576),
    poolSize: positiveInt('poolSize', options.poolSize, 'DB_POOL_SIZE', env, target.kind === 'postgres' ? 5 : 4),
    maxQueue: positiveInt('maxQueue', options.maxQueue, 'DB_MAX_QUEUE', env, 32),
    queueTimeoutMs: positiveInt('queueTimeoutMs', options.queueTimeoutMs, 'DB_QUEUE_TIMEOUT_MS', env, 5000),
    maxConcurrentPerClient: positiveInt('maxConcurrentPerClient', options.maxConcurrentPerClient, 'DB_MAX_CONCURRENT_PER_CLIENT', env, 2),
    memoryLimitMb: positiveInt('memoryLimitMb', options.memoryLimitMb, 'DB_MEMORY_LIMIT_MB', env, 256),
    connectTimeoutMs: positiveInt('connectTimeoutMs', options.connectTimeoutMs, 'DB_CONNECT_TIMEOUT_MS', env, 5000)
  }
}

export function parseTarget (url: string | undefined): DriverTarget {
  if (url === undefined) return { kind: 'embedded' }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres', url }
  if (scheme === 'file') return { kind: 'sqlite-file', path: url.startsWith('file://') ? fileURLToPath(url) : absolute(url.slice(5)) }
  if (scheme === 'sqlite') {
    // sqlite:/abs, sqlite:///abs and sqlite:relative (to the working directory).
    const rest = url.slice(7)
    return { kind: 'sqlite-file', path: absolute(rest.startsWith('//') ? rest.slice(2) : rest) }
  }
  throw new Error(
    `Unsupported database URL ${redactUrl(url)}: use postgres://user@host:5432/db, sqlite:/path/to/file.db or file:/path/to/file.db ` +
    '(or leave DATABASE_URL unset for the embedded demo database)'
  )
}

function absolute (path: string): string {
  const decoded = decodeURIComponent(path.split('?')[0])
  if (decoded === '') throw new Error('The SQLite URL names no file: use sqlite:/path/to/file.db')
  return isAbsolute(decoded) ? decoded : resolve(decoded)
}

function positiveInt (name: string, option: number | undefined, variable: string, env: Record<string, string | undefined>, fallback: number): number {
  const raw = option ?? env[variable]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`db: ${option !== undefined ? `option ${name}` : `${variable}`} must be a positive integer, got ${JSON.stringify(raw)}`)
  }
  return value
}

/** The URL with its password (in the authority or a `password=` parameter) replaced by `***`. */
export function redactUrl (url: string): string {
  return url
    // Up to the last '@': an unencoded '@' in a password must not leak its tail.
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):.*@/i, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***')
}

/** A short description of the target for logs and errors. */
export function describeTarget (target: DriverTarget): string {
  switch (target.kind) {
    case 'embedded': return 'the embedded demo database (SQLite)'
    case 'sqlite-file': return `the SQLite file ${target.path} (read-only)`
    case 'postgres': return `PostgreSQL at ${redactUrl(target.url)}`
  }
}
