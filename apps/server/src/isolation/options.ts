/** The settings of an isolated plugin, resolved from its plugin entry and the host's limits. */
import type { FastifyBaseLogger } from 'fastify'

export interface IsolationLimits {
  /** Heap limit of each worker / of the child process, in MiB. */
  memoryMb: number
  /** CPU time one call may use (worker), or the longest the child's event loop may stay blocked (process), in ms. */
  cpuMs: number
  /** Worker: workers in the pool (one call each at a time). Process: calls the child runs at once. */
  concurrency: number
}

export interface Permissions {
  /** Paths the child may read besides its own code (the plugin's package and the node_modules it resolves from). */
  fsRead?: string[]
  fsWrite?: string[]
  /** Host names the child may connect to (TCP, TLS, HTTP, fetch, UDP). */
  net?: string[]
  childProcess?: boolean
  worker?: boolean
  addons?: boolean
}

export interface BackendOptions {
  name: string
  url: string
  /** The plugin's file, for the default read grant (process mode). */
  file: string | undefined
  options: Record<string, unknown>
  limits: IsolationLimits
  /** Calls that may wait for a free worker (or a restarting process) before new ones are refused. */
  queueMax: number
  permissions: Permissions
  log: FastifyBaseLogger
}

export const DEFAULT_LIMITS = {
  worker: { memoryMb: 256, cpuMs: 10_000, concurrency: 2 },
  process: { memoryMb: 256, cpuMs: 10_000, concurrency: 16 }
} as const satisfies Record<string, IsolationLimits>

/** A timed-out or cancelled call that has not ended this long after its signal aborted has its worker stopped. */
// Shorter than the host's STOP_GRACE_MS (1 s), so a worker stopped for ignoring its signal is reported as stopped, not abandoned.
export const ABANDON_GRACE_MS = 500

/**
 * The host's environment without its own secrets (and its NODE_OPTIONS): an isolated plugin gets
 * what plugins read (DATABASE_URL, WEATHER_API_URL...), not the keys that sign
 * the host's state and tokens.
 */
export function guestEnv (env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !HOST_SECRETS.has(key)) out[key] = value
  }
  return out
}

// NODE_OPTIONS too: the child's Node flags are chosen (inheritedExecArgv), not inherited wholesale.
const HOST_SECRETS = new Set(['MCP_STATE_SECRET', 'MCP_JWT_SECRET', 'MCP_METRICS_TOKEN', 'REDIS_URL', 'MCP_API_KEYS_FILE', 'NODE_OPTIONS'])

/** The entry file next to this one, as .ts from sources or .js when compiled. */
export function entryUrl (base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base)
}

/**
 * The host's Node flags an isolated plugin keeps: its export conditions (so
 * workspace packages resolve as they do in the host). Others stay out: a test
 * runner's or profiler's `--import` hooks have no business in a plugin's
 * sandbox, and some of them wait for things a worker never sends.
 */
export function inheritedExecArgv (): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].filter((arg) => arg.startsWith('--conditions='))
}
