/**
 * The server's configuration: one TypeBox schema gives the defaults, the
 * validation at start, and the TypeScript type of `fastify.config.ts`.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { SCOPE_PATTERN } from '../auth/options.ts'
import { ExplorerOptionsSchema } from '../explorer/options.ts'

const LogLevel = Type.Union([
  Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'),
  Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')
], { default: 'info' })

export const LimitsSchema = Type.Object({
  bodyLimit: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Largest accepted request body, in bytes' }),
  toolTimeoutMs: Type.Integer({ minimum: 1, default: 30_000, description: 'Time limit of a tool, prompt or resource handler (a tool may set its own)' }),
  maxSessions: Type.Integer({ minimum: 1, default: 10_000, description: 'Legacy sessions held at once' }),
  sessionIdleMs: Type.Integer({ minimum: 1000, default: 1_800_000, description: 'A legacy session unused this long expires' }),
  maxSessionsPerClient: Type.Integer({ minimum: 1, default: 100, description: 'Legacy sessions one client (principal, else address) holds; its least recently used idle one makes room' }),
  sessionUnconfirmedIdleMs: Type.Integer({ minimum: 1000, default: 60_000, description: 'A legacy session that never saw a second request expires this soon' }),
  clientInfoMaxBytes: Type.Integer({ minimum: 256, default: 4096, description: 'Largest clientInfo a session keeps (JSON bytes); larger: initialize is refused' }),
  capabilitiesMaxBytes: Type.Integer({ minimum: 256, default: 16_384, description: 'Largest client capabilities a session keeps (JSON bytes); larger: initialize is refused' }),
  maxSubscriptionsPerSession: Type.Integer({ minimum: 1, default: 100, description: 'resources/subscribe URIs one legacy session keeps' }),
  maxUriLength: Type.Integer({ minimum: 64, default: 2048, description: 'Longest subscription URI kept' }),
  maxStreams: Type.Integer({ minimum: 1, default: 5000, description: 'Long-lived connections (GET and listen streams, WebSocket connections) held at once' }),
  maxStreamsPerClient: Type.Integer({ minimum: 1, default: 100, description: 'Long-lived connections one client (principal, else address) holds' }),
  maxConnections: Type.Integer({ minimum: 0, default: 10_000, description: 'npm start: TCP connections the server accepts at once (Node\'s server.maxConnections; 0: no cap); keep it above maxStreams, so /health always gets in' }),
  maxEventLoopDelayMs: Type.Integer({ minimum: 0, default: 1000, description: 'npm start: shed load with 503 and Retry-After while the event loop lags more than this (an overloaded instance refuses work before it falls over; /health and /ready still answer; 0: off)' }),
  httpMaxUnsentBytes: Type.Integer({ minimum: 65_536, default: 8_388_608, description: 'HTTP: bytes a client may leave unread on an SSE stream before its connection is cut off' }),
  writeTimeoutMs: Type.Integer({ minimum: 1000, default: 30_000, description: 'HTTP: how long a response\'s writes may stall (the client not reading) before the connection is cut off' }),
  maxResultBytes: Type.Integer({ minimum: 1024, default: 4_194_304, description: 'Largest tool result (JSON bytes); larger: a tool error saying the size, or cut text for tools that opt in' }),
  pageSize: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Items per page of the list methods' }),
  listTtlMs: Type.Integer({ minimum: 0, default: 60_000, description: 'Caching hint (ttlMs) on list results' }),
  sseKeepAliveMs: Type.Integer({ minimum: 0, default: 15_000, description: 'Interval of SSE keep-alive comments (0: off)' }),
  requestStateTtlMs: Type.Integer({ minimum: 1000, default: 600_000, description: 'How long an MRTR requestState stays valid' }),
  maxTasks: Type.Integer({ minimum: 1, default: 10_000, description: 'Tasks (tasks extension) kept at once, running or finished; more: the call runs without a task, or -32603 for a tool that requires one' }),
  maxTasksPerClient: Type.Integer({ minimum: 1, default: 100, description: 'Tasks one client (principal, else address) keeps at once' }),
  taskTtlMs: Type.Integer({ minimum: 1000, default: 3_600_000, description: 'How long a finished task and its result are kept (the task\'s ttlMs)' }),
  taskAfterMs: Type.Integer({ minimum: 0, default: 500, description: 'A call to a tool with taskSupport "optional" still running after this long becomes a task (clients that declared the extension)' }),
  taskTimeoutMs: Type.Integer({ minimum: 1000, default: 3_600_000, description: 'Time limit of a tool call running as a task (replaces the tool\'s own once it becomes one)' }),
  taskPollIntervalMs: Type.Integer({ minimum: 100, default: 1000, description: 'The pollIntervalMs hint on tasks' }),
  shutdownDrainMs: Type.Integer({ minimum: 0, default: 10_000, description: 'On shutdown, how long in-flight calls may finish' }),
  wsMaxMessageBytes: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'WebSocket: largest accepted message, in bytes (larger: close 1009); stdio: the longest line' }),
  wsMaxInFlight: Type.Integer({ minimum: 1, default: 100, description: 'WebSocket and stdio: requests one connection may have in flight; at the cap the server stops reading from it until answers go out' }),
  wsMaxBacklogBytes: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'WebSocket: bytes of requests already read past the in-flight cap that wait their turn; beyond them a request is refused (-32600)' }),
  wsPingIntervalMs: Type.Integer({ minimum: 0, default: 30_000, description: 'WebSocket: interval of server pings; a connection that misses one is closed (0: off)' }),
  wsIdleTimeoutMs: Type.Integer({ minimum: 0, default: 300_000, description: 'WebSocket: close a connection with no message and nothing in flight this long (0: off)' }),
  wsMaxBufferedBytes: Type.Integer({ minimum: 16_384, default: 4_194_304, description: 'WebSocket: unsent bytes per connection before the server stops reading from it (as much again: close 1008)' }),
  rateLimitPerMinute: Type.Integer({ minimum: 0, default: 600, description: 'With auth on: MCP requests (HTTP requests and WebSocket messages) one principal may send per minute; more: 429 with Retry-After (0: off)' }),
  rateLimitIpPerMinute: Type.Integer({ minimum: 0, default: 1200, description: 'With auth on: MCP requests one remote address may send per minute, counted before the token is checked (0: off)' }),
  toolQueueMax: Type.Integer({ minimum: 0, default: 100, description: 'Calls that may wait for a tool under a concurrency cap, or for an isolated plugin\'s workers or process; more: a tool error saying the tool is busy' })
}, { additionalProperties: false, default: {} })

/** Per-plugin limits (docs/limits.md, "Per plugin"): isolated plugins use all three, in-process ones `concurrency`. */
export const PluginLimitsSchema = Type.Object({
  memoryMb: Type.Optional(Type.Integer({ minimum: 16, description: 'Heap limit of each worker or of the child process, in MiB' })),
  cpuMs: Type.Optional(Type.Integer({ minimum: 10, description: 'Worker: CPU time one call may use; process: longest the child may stay blocked' })),
  concurrency: Type.Optional(Type.Integer({ minimum: 1, description: 'Worker: workers in the pool; process: calls at once; in-process: calls of each tool at once' }))
}, { additionalProperties: false })

/** What an isolated process may do besides reading its own code (Node's permission model, plus the network guard). */
export const PluginPermissionsSchema = Type.Object({
  fsRead: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  fsWrite: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  net: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  childProcess: Type.Optional(Type.Boolean()),
  worker: Type.Optional(Type.Boolean()),
  addons: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

/** The isolation settings of a `{ module }` entry, checked as a whole (docs/isolation.md). */
export const PluginIsolationSchema = Type.Object({
  isolate: Type.Optional(Type.Union([Type.Literal('worker'), Type.Literal('process')])),
  limits: Type.Optional(PluginLimitsSchema),
  permissions: Type.Optional(PluginPermissionsSchema)
})

/** A plugin entry naming a module: what a config file or MCP_PLUGINS (as JSON) may give. */
export const ModulePluginEntrySchema = Type.Object({
  /** A package name or a path (relative to the working directory). */
  module: Type.String({ minLength: 1 }),
  name: Type.Optional(Type.String()),
  options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** Run the plugin in a pool of worker threads or in a sandboxed child process (docs/isolation.md). */
  isolate: Type.Optional(Type.Union([Type.Literal('worker'), Type.Literal('process')])),
  limits: Type.Optional(PluginLimitsSchema),
  permissions: Type.Optional(PluginPermissionsSchema)
}, { additionalProperties: false })

export const PluginEntrySchema = Type.Union([
  ModulePluginEntrySchema,
  Type.Object({
    /** An imported plugin function (tests, embedding). */
    plugin: Type.Unknown(),
    name: Type.Optional(Type.String()),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    limits: Type.Optional(Type.Object({ concurrency: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }))
  }, { additionalProperties: false })
])

export const ConfigSchema = Type.Object({
  host: Type.String({ minLength: 1, default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  path: Type.String({ pattern: '^/', default: '/mcp' }),
  logLevel: LogLevel,
  /** `pretty`: readable lines (pino-pretty); `json`: one JSON object a line; `auto`: pretty when the log stream is a terminal. */
  logFormat: Type.Union([Type.Literal('auto'), Type.Literal('pretty'), Type.Literal('json')], { default: 'auto' }),
  serverName: Type.String({ minLength: 1, default: 'mcp-platform' }),
  serverVersion: Type.String({ minLength: 1, default: '0.1.0' }),
  instructions: Type.Optional(Type.String()),
  /** Exact origins allowed to call (`*`: any). Empty: loopback origins only. */
  allowedOrigins: Type.Array(Type.String(), { default: [] }),
  /** Host names the server answers to (`*`: any). Default: loopback names when bound to loopback, else any. */
  allowedHosts: Type.Optional(Type.Array(Type.String())),
  plugins: Type.Array(PluginEntrySchema, { default: [] }),
  /** The MCP endpoint's public URL (`https://mcp.example.com/mcp`): the OAuth resource, the default token audience and the Host allowed on a public bind. */
  publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Who may call: see docs/security.md. */
  auth: Type.Object({
    /** none, jwt (bearer JWTs) or apikey (MCP_API_KEYS_FILE); unset: jwt when a JWT secret or JWKS URL is given, else none. */
    mode: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('jwt'), Type.Literal('apikey')])),
    issuer: Type.Optional(Type.String({ minLength: 1 })),
    audience: Type.Optional(Type.String({ minLength: 1 })),
    /** Where the identity provider publishes its signing keys (RS256, ES256, EdDSA). */
    jwksUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** Longest token lifetime accepted (exp - iat, or exp - now), in seconds. */
    maxTokenLifetimeSeconds: Type.Integer({ minimum: 60, default: 86_400 }),
    /** Clock difference tolerated on exp, nbf and iat, in seconds. */
    clockSkewSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
    /** A token naming an unknown key id refetches the JWKS at most this often (ms). */
    jwksRefreshMinIntervalMs: Type.Integer({ minimum: 0, default: 30_000 }),
    /** `authorization_servers` of the protected resource metadata; default: the issuer. */
    authorizationServers: Type.Optional(Type.Array(Type.String({ pattern: '^https?://' }))),
    /** `scopes_supported` of the metadata and `scope` of 401 challenges. */
    scopesSupported: Type.Optional(Type.Array(Type.String({ pattern: SCOPE_PATTERN }))),
    /** A JSON file of API keys (hashes, principals, scopes) for MCP_AUTH=apikey. */
    apiKeysFile: Type.Optional(Type.String({ minLength: 1 })),
    /** Opt-in to serving a non-loopback address with no authentication. */
    allowUnauthenticatedPublic: Type.Boolean({ default: false })
  }, { additionalProperties: false, default: {} }),
  /** The explorer page (docs/explorer.md): `enabled` true, false or `loopback` (default), and its `path`. */
  explorer: ExplorerOptionsSchema,
  limits: LimitsSchema
}, { additionalProperties: false })

export type Limits = Static<typeof LimitsSchema>

/** A plugin entry as written in `fastify.config.ts`. */
export type PluginEntry =
  | {
    module: string
    name?: string
    options?: Record<string, unknown>
    /** Load the plugin in a pool of worker threads or in a sandboxed child process instead of in-process (docs/isolation.md). */
    isolate?: 'worker' | 'process'
    limits?: Static<typeof PluginLimitsSchema>
    /** `isolate: 'process'`: what the child may do besides reading its own code. */
    permissions?: Static<typeof PluginPermissionsSchema>
  }

  // An imported function cannot be sent to a worker or a process: it always runs in-process.
  | { plugin: FastifyPluginAsync<any>, name?: string, options?: Record<string, unknown>, limits?: { concurrency?: number } }

/** The full, validated configuration. */
export type ServerConfig = Omit<Static<typeof ConfigSchema>, 'plugins'> & { plugins: PluginEntry[] }

/** What `fastify.config.ts` exports and `buildApp` accepts: everything optional. */
export type AppConfig = Partial<Omit<ServerConfig, 'plugins' | 'limits' | 'auth' | 'explorer'>> & {
  auth?: Partial<ServerConfig['auth']>
  explorer?: Partial<ServerConfig['explorer']>
  plugins?: PluginEntry[]
  limits?: Partial<Limits>
  /** Key for MRTR requestState integrity; from MCP_STATE_SECRET in production. */
  stateSecret?: string
  /** Turns on bearer-token authentication; from MCP_JWT_SECRET. */
  jwtSecret?: string
  /** The bearer token `/metrics` asks of a scraper; from MCP_METRICS_TOKEN. Unset: /metrics is open. */
  metricsToken?: string
  /** Shared state (sessions, events, SSE history) in Redis, for several instances; from REDIS_URL. Unset: in memory. */
  redisUrl?: string
}

/** Types a config file without changing it. */
export function defineConfig (config: AppConfig): AppConfig {
  return config
}
