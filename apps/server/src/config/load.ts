/**
 * Resolves the configuration: defaults, then `fastify.config.ts`, then the
 * environment. Every value is validated against the schema at start, and a
 * wrong value is reported with where it came from.
 */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ValueErrorType } from '@sinclair/typebox/errors'
import { Value } from '@sinclair/typebox/value'
import { pluginsFromEnv } from './env-plugins.ts'
import { ConfigSchema, type AppConfig, type ServerConfig } from './schema.ts'
import { isolationProblems } from './plugin-entries.ts'
import { authProblems } from '../auth/mode.ts'
import { MCP_ERR_CONFIG_FILE, MCP_ERR_CONFIG_NOT_FOUND, MCP_ERR_INVALID_CONFIG } from '../errors.ts'

// Configuration errors are instances of ConfigError (their common base), as before the codes.
export { ConfigError } from '../errors.ts'

/** Environment variables and the setting each one overrides. */
export const ENVIRONMENT: ReadonlyArray<{ name: string, path: string, kind: 'string' | 'integer' | 'list' | 'boolean' }> = [
  { name: 'HOST', path: 'host', kind: 'string' },
  { name: 'PORT', path: 'port', kind: 'integer' },
  { name: 'MCP_PATH', path: 'path', kind: 'string' },
  { name: 'LOG_LEVEL', path: 'logLevel', kind: 'string' },
  { name: 'LOG_FORMAT', path: 'logFormat', kind: 'string' },
  { name: 'MCP_ALLOWED_ORIGINS', path: 'allowedOrigins', kind: 'list' },
  { name: 'MCP_ALLOWED_HOSTS', path: 'allowedHosts', kind: 'list' },
  { name: 'MCP_JWT_ISSUER', path: 'auth.issuer', kind: 'string' },
  { name: 'MCP_JWT_AUDIENCE', path: 'auth.audience', kind: 'string' },
  { name: 'MCP_PUBLIC_URL', path: 'publicUrl', kind: 'string' },
  { name: 'MCP_AUTH', path: 'auth.mode', kind: 'string' },
  { name: 'MCP_JWT_JWKS_URL', path: 'auth.jwksUrl', kind: 'string' },
  { name: 'MCP_JWT_MAX_LIFETIME_SECONDS', path: 'auth.maxTokenLifetimeSeconds', kind: 'integer' },
  { name: 'MCP_JWT_CLOCK_SKEW_SECONDS', path: 'auth.clockSkewSeconds', kind: 'integer' },
  { name: 'MCP_JWKS_REFRESH_MIN_INTERVAL_MS', path: 'auth.jwksRefreshMinIntervalMs', kind: 'integer' },
  { name: 'MCP_AUTHORIZATION_SERVERS', path: 'auth.authorizationServers', kind: 'list' },
  { name: 'MCP_SCOPES_SUPPORTED', path: 'auth.scopesSupported', kind: 'list' },
  { name: 'MCP_API_KEYS_FILE', path: 'auth.apiKeysFile', kind: 'string' },
  { name: 'MCP_ALLOW_UNAUTHENTICATED_PUBLIC', path: 'auth.allowUnauthenticatedPublic', kind: 'boolean' },
  // true/false, or `loopback` (left a string by the boolean parsing, which the schema accepts).
  { name: 'MCP_EXPLORER', path: 'explorer.enabled', kind: 'boolean' },
  { name: 'MCP_EXPLORER_PATH', path: 'explorer.path', kind: 'string' },
  { name: 'MCP_BODY_LIMIT', path: 'limits.bodyLimit', kind: 'integer' },
  { name: 'MCP_TOOL_TIMEOUT_MS', path: 'limits.toolTimeoutMs', kind: 'integer' },
  { name: 'MCP_MAX_SESSIONS', path: 'limits.maxSessions', kind: 'integer' },
  { name: 'MCP_SESSION_IDLE_MS', path: 'limits.sessionIdleMs', kind: 'integer' },
  { name: 'MCP_MAX_SESSIONS_PER_CLIENT', path: 'limits.maxSessionsPerClient', kind: 'integer' },
  { name: 'MCP_SESSION_UNCONFIRMED_IDLE_MS', path: 'limits.sessionUnconfirmedIdleMs', kind: 'integer' },
  { name: 'MCP_CLIENT_INFO_MAX_BYTES', path: 'limits.clientInfoMaxBytes', kind: 'integer' },
  { name: 'MCP_CAPABILITIES_MAX_BYTES', path: 'limits.capabilitiesMaxBytes', kind: 'integer' },
  { name: 'MCP_MAX_SUBSCRIPTIONS_PER_SESSION', path: 'limits.maxSubscriptionsPerSession', kind: 'integer' },
  { name: 'MCP_MAX_URI_LENGTH', path: 'limits.maxUriLength', kind: 'integer' },
  { name: 'MCP_MAX_RESULT_BYTES', path: 'limits.maxResultBytes', kind: 'integer' },
  { name: 'MCP_MAX_STREAMS', path: 'limits.maxStreams', kind: 'integer' },
  { name: 'MCP_MAX_STREAMS_PER_CLIENT', path: 'limits.maxStreamsPerClient', kind: 'integer' },
  { name: 'MCP_MAX_CONNECTIONS', path: 'limits.maxConnections', kind: 'integer' },
  { name: 'MCP_MAX_EVENT_LOOP_DELAY_MS', path: 'limits.maxEventLoopDelayMs', kind: 'integer' },
  { name: 'MCP_HTTP_MAX_UNSENT_BYTES', path: 'limits.httpMaxUnsentBytes', kind: 'integer' },
  { name: 'MCP_WRITE_TIMEOUT_MS', path: 'limits.writeTimeoutMs', kind: 'integer' },
  { name: 'MCP_PAGE_SIZE', path: 'limits.pageSize', kind: 'integer' },
  { name: 'MCP_LIST_TTL_MS', path: 'limits.listTtlMs', kind: 'integer' },
  { name: 'MCP_SSE_KEEPALIVE_MS', path: 'limits.sseKeepAliveMs', kind: 'integer' },
  { name: 'MCP_REQUEST_STATE_TTL_MS', path: 'limits.requestStateTtlMs', kind: 'integer' },
  { name: 'MCP_MAX_TASKS', path: 'limits.maxTasks', kind: 'integer' },
  { name: 'MCP_MAX_TASKS_PER_CLIENT', path: 'limits.maxTasksPerClient', kind: 'integer' },
  { name: 'MCP_TASK_TTL_MS', path: 'limits.taskTtlMs', kind: 'integer' },
  { name: 'MCP_TASK_AFTER_MS', path: 'limits.taskAfterMs', kind: 'integer' },
  { name: 'MCP_TASK_TIMEOUT_MS', path: 'limits.taskTimeoutMs', kind: 'integer' },
  { name: 'MCP_TASK_POLL_INTERVAL_MS', path: 'limits.taskPollIntervalMs', kind: 'integer' },
  { name: 'MCP_SHUTDOWN_DRAIN_MS', path: 'limits.shutdownDrainMs', kind: 'integer' },
  { name: 'MCP_WS_MAX_MESSAGE_BYTES', path: 'limits.wsMaxMessageBytes', kind: 'integer' },
  { name: 'MCP_WS_MAX_IN_FLIGHT', path: 'limits.wsMaxInFlight', kind: 'integer' },
  { name: 'MCP_WS_MAX_BACKLOG_BYTES', path: 'limits.wsMaxBacklogBytes', kind: 'integer' },
  { name: 'MCP_WS_PING_INTERVAL_MS', path: 'limits.wsPingIntervalMs', kind: 'integer' },
  { name: 'MCP_WS_IDLE_TIMEOUT_MS', path: 'limits.wsIdleTimeoutMs', kind: 'integer' },
  { name: 'MCP_WS_MAX_BUFFERED_BYTES', path: 'limits.wsMaxBufferedBytes', kind: 'integer' },
  { name: 'MCP_RATE_LIMIT_PER_MINUTE', path: 'limits.rateLimitPerMinute', kind: 'integer' },
  { name: 'MCP_RATE_LIMIT_IP_PER_MINUTE', path: 'limits.rateLimitIpPerMinute', kind: 'integer' },
  { name: 'MCP_TOOL_QUEUE_MAX', path: 'limits.toolQueueMax', kind: 'integer' }
]

/** The validated configuration, with the secrets that come only from the environment. */
export type ResolvedConfig = ServerConfig & { stateSecret?: string, jwtSecret?: string, metricsToken?: string, redisUrl?: string }

function setPath (target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let node = target
  for (const key of keys.slice(0, -1)) {
    node[key] = { ...(node[key] as Record<string, unknown> | undefined) }
    node = node[key] as Record<string, unknown>
  }
  node[keys[keys.length - 1]] = value
}

/**
 * Where a setting came from, for a path such as `limits.pageSize.0`: the
 * source recorded for it or for the nearest enclosing setting.
 */
function sourceOf (sources: Map<string, string>, path: string): string | undefined {
  for (let at = path; at !== ''; at = at.includes('.') ? at.slice(0, at.lastIndexOf('.')) : '') {
    const source = sources.get(at)
    if (source !== undefined) return source
  }
  return undefined
}

/** Every setting a config file gives (objects are walked, arrays and functions are leaves), attributed to the file. */
function fileSources (config: AppConfig, file: string): Map<string, string> {
  const sources = new Map<string, string>()
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(node)) {
      const path = prefix === '' ? key : `${prefix}.${key}`
      sources.set(path, file)
      if (Array.isArray(value)) value.forEach((_, index) => sources.set(`${path}.${index}`, file))
      else if (value !== null && typeof value === 'object') walk(value as Record<string, unknown>, path)
    }
  }
  walk(config as Record<string, unknown>, '')
  return sources
}

/** Applies the environment on top of a config file's values. */
export function applyEnvironment (config: AppConfig, env: NodeJS.ProcessEnv): { config: AppConfig, sources: Map<string, string> } {
  const result = structuredCloneConfig(config)
  const sources = new Map<string, string>()
  for (const { name, path, kind } of ENVIRONMENT) {
    const raw = env[name]
    if (raw === undefined || raw === '') continue
    let value: unknown = raw
    if (kind === 'integer') {
      value = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw
    } else if (kind === 'boolean') {
      // Anything else stays a string, which the schema refuses with the variable's name.
      value = /^(1|true|yes)$/i.test(raw.trim()) ? true : /^(0|false|no)$/i.test(raw.trim()) ? false : raw
    } else if (kind === 'list') {
      value = raw.split(',').map((item) => item.trim()).filter((item) => item !== '')
    }
    setPath(result as Record<string, unknown>, path, value)
    sources.set(path, name)
  }
  const extra = pluginsFromEnv(env.MCP_PLUGINS)
  if (extra.length > 0) {
    const before = result.plugins?.length ?? 0
    result.plugins = [...(result.plugins ?? []), ...extra]
    extra.forEach((_, index) => sources.set(`plugins.${before + index}`, 'MCP_PLUGINS'))
  }
  if (env.MCP_STATE_SECRET !== undefined && env.MCP_STATE_SECRET !== '') result.stateSecret = env.MCP_STATE_SECRET
  if (env.MCP_JWT_SECRET !== undefined && env.MCP_JWT_SECRET !== '') result.jwtSecret = env.MCP_JWT_SECRET
  if (env.MCP_METRICS_TOKEN !== undefined && env.MCP_METRICS_TOKEN !== '') result.metricsToken = env.MCP_METRICS_TOKEN
  // The URL may carry a password: from the environment only, like the other secrets.
  if (env.REDIS_URL !== undefined && env.REDIS_URL !== '') result.redisUrl = env.REDIS_URL
  return { config: result, sources }
}

/** Copies the plain parts; plugin functions are kept as they are. */
function structuredCloneConfig (config: AppConfig): AppConfig {
  return { ...config, limits: { ...config.limits }, plugins: [...(config.plugins ?? [])] }
}

/**
 * Fills defaults and validates; throws MCP_ERR_INVALID_CONFIG naming every
 * wrong value and its source (the environment variable or the config file).
 */
export function normalizeConfig (input: AppConfig, sources = new Map<string, string>()): ResolvedConfig {
  const { stateSecret, jwtSecret, metricsToken, redisUrl, plugins = [], ...rest } = input
  // Plugin entries may hold functions, which TypeBox's Value cannot clone: they are checked by hand.
  const candidate = Value.Default(ConfigSchema, { ...rest, limits: { ...rest.limits }, auth: { ...rest.auth }, explorer: { ...rest.explorer }, plugins: [] }) as ServerConfig
  const problems = [...Value.Errors(ConfigSchema, candidate)]
    // A failing union reports its branches too; keep the most specific messages.
    .filter((error, index, all) => !all.some((other, j) => j !== index && other.path.startsWith(error.path + '/')))
    .map((error) => {
      const path = error.path.slice(1).replaceAll('/', '.')
      const source = sourceOf(sources, path)
      const given = JSON.stringify(error.value)
      const choices = (error.schema.anyOf as Array<{ const?: unknown }> | undefined)?.map((option) => option.const)
      const message = choices !== undefined && choices.every((choice) => typeof choice === 'string')
        ? `must be one of ${choices.join(', ')}`
        : error.type === ValueErrorType.ObjectAdditionalProperties ? 'is not a setting (misspelt?)' : error.message
      return `  - ${path || '(config)'}${source !== undefined ? ` (from ${source})` : ''}: ${message}, got ${given}`
    })
  for (const [index, entry] of plugins.entries()) {
    const valid = entry !== null && typeof entry === 'object' &&
      ('plugin' in entry ? typeof entry.plugin === 'function' : typeof (entry as { module?: unknown }).module === 'string')
    const source = sourceOf(sources, `plugins.${index}`)
    const at = `  - plugins.${index}${source !== undefined ? ` (from ${source})` : ''}`
    if (!valid) {
      problems.push(`${at}: must be { module: "<package or path>" } or { plugin: <Fastify plugin function> }, got ${JSON.stringify(entry)}`)
      continue
    }
    problems.push(...isolationProblems(entry, at))
  }
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    problems.push('  - MCP_JWT_SECRET: must be at least 32 characters (an HS256 key)')
  }
  if (metricsToken !== undefined && metricsToken.length < 16) {
    problems.push('  - MCP_METRICS_TOKEN: must be at least 16 characters (a scraper\'s bearer token)')
  }
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push('  - REDIS_URL: must be redis://[user:password@]host:port[/db] or rediss://… (TLS)')
  }
  if (problems.length === 0) {
    for (const problem of authProblems({ ...candidate.auth, jwtSecret }, candidate.publicUrl)) problems.push(`  - auth: ${problem}`)
  }
  if (problems.length > 0) throw new MCP_ERR_INVALID_CONFIG([...new Set(problems)].join('\n'))
  return { ...candidate, plugins, stateSecret, jwtSecret, metricsToken, redisUrl }
}

/**
 * The build's JavaScript of the default `fastify.config.ts` (`dist/fastify.config.js`, from
 * tsconfig.config.json) when it is at least as new as the file: importing it skips loading Node's
 * TypeScript stripper, about a tenth of the start-up. Otherwise (no build, or the file edited since)
 * the TypeScript file itself.
 */
function compiledConfig (cwd: string, file: string): string {
  const compiled = resolve(cwd, 'dist', 'fastify.config.js')
  try {
    return statSync(compiled).mtimeMs >= statSync(file).mtimeMs ? compiled : file
  } catch {
    return file
  }
}

/**
 * Reads `fastify.config.ts` (or the file named by MCP_CONFIG) from the working
 * directory and applies the environment.
 */
export async function loadConfig (env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<ResolvedConfig> {
  const file = resolve(cwd, env.MCP_CONFIG ?? 'fastify.config.ts')
  let fileConfig: AppConfig = {}
  if (existsSync(file)) {
    let mod: { default?: AppConfig }
    try {
      mod = await import(pathToFileURL(env.MCP_CONFIG === undefined ? compiledConfig(cwd, file) : file).href) as typeof mod
    } catch (error) {
      throw new MCP_ERR_CONFIG_FILE(file, `importing it failed: ${error instanceof Error ? error.message : String(error)}. Fix the error in that file (or in what it imports)`, { cause: error })
    }
    if (mod.default === null || typeof mod.default !== 'object' || Array.isArray(mod.default)) {
      throw new MCP_ERR_CONFIG_FILE(file, 'it must export the configuration object as its default export: `export default defineConfig({ ... })`')
    }
    fileConfig = mod.default
  } else if (env.MCP_CONFIG !== undefined) {
    throw new MCP_ERR_CONFIG_NOT_FOUND(file)
  }
  const { config, sources } = applyEnvironment(fileConfig, env)
  // The environment wins: for the settings it gives (and what is under them), it is the source.
  const fromFile = [...fileSources(fileConfig, file)]
    .filter(([path]) => ![...sources.keys()].some((env) => path === env || path.startsWith(`${env}.`)))
  return normalizeConfig(config, new Map([...fromFile, ...sources]))
}
