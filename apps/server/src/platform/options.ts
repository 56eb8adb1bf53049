/**
 * The options of `mcpPlatform`: what an embedder passes, checked once at
 * registration (a wrong value fails the start with a coded error naming it),
 * then filled with the defaults.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { AuthOptionsSchema } from '../auth/options.ts'
import { authProblems } from '../auth/mode.ts'
import type { RateLimitStoreClass } from '../auth/rate-limit.ts'
import { LimitsSchema, type Limits } from '../config/schema.ts'
import { MCP_ERR_INVALID_PLATFORM_OPTIONS } from '../errors.ts'
import type { Tracer } from '@opentelemetry/api'
import type { FastifyBaseLogger } from 'fastify'
import type { SharedState } from '../state/index.ts'
import { LOOPBACK_HOSTS } from '../transports/loopback.ts'
import { ExplorerOptionsSchema, type ExplorerOption } from '../explorer/options.ts'

const PlainOptionsSchema = Type.Object({
  serverInfo: Type.Object({
    name: Type.String({ minLength: 1, default: 'mcp-platform' }),
    version: Type.String({ minLength: 1, default: '0.1.0' }),
    title: Type.Optional(Type.String())
  }, { additionalProperties: false, default: {} }),
  instructions: Type.Optional(Type.String()),
  /** The MCP endpoint, under the prefix the platform is registered with. */
  path: Type.String({ pattern: '^/', default: '/mcp' }),
  /** Exact origins allowed to call (`*`: any). Empty: loopback origins only. */
  allowedOrigins: Type.Array(Type.String(), { default: [] }),
  /** Host names the endpoint answers to (`*`: any). Default: the loopback names. */
  allowedHosts: Type.Array(Type.String(), { default: [...LOOPBACK_HOSTS] }),
  /** Who may call (docs/security.md); off when absent. */
  auth: Type.Optional(AuthOptionsSchema),
  transports: Type.Object({
    http: Type.Boolean({ default: true }),
    websocket: Type.Boolean({ default: true })
  }, { additionalProperties: false, default: {} }),
  /** Where `GET` answers the health check, under the prefix; false: no health route. */
  healthPath: Type.Union([Type.String({ pattern: '^/' }), Type.Literal(false)], { default: '/health' }),
  readyPath: Type.Union([Type.String({ pattern: '^/' }), Type.Literal(false)], { default: '/ready' }),
  metricsPath: Type.Union([Type.String({ pattern: '^/' }), Type.Literal(false)], { default: '/metrics' }),
  /** When set, `/metrics` answers only `Authorization: Bearer <token>` (a scraper's credential). */
  metricsToken: Type.Optional(Type.String({ minLength: 16 })),
  /** Key of the MRTR requestState HMAC ; random per process when absent. */
  stateSecret: Type.Optional(Type.String({ minLength: 1 })),
  /** The built-in explorer page (docs/explorer.md). */
  explorer: ExplorerOptionsSchema,
  limits: LimitsSchema
}, { additionalProperties: false })

/** Where the shared state comes from: an instance the caller owns and closes, or a factory whose result the platform owns. */
export type StateOption = SharedState | ((limits: Limits, log: FastifyBaseLogger) => SharedState | Promise<SharedState>)

type Plain = Static<typeof PlainOptionsSchema>

/** What `app.register(mcpPlatform, options)` accepts: everything optional. */
export interface McpPlatformOptions {
  serverInfo?: Partial<Plain['serverInfo']>
  instructions?: string
  path?: string
  allowedOrigins?: string[]
  allowedHosts?: string[]
  auth?: Partial<NonNullable<Plain['auth']>>
  transports?: Partial<Plain['transports']>
  healthPath?: string | false
  /** Readiness for load balancers: shared state and plugins' checks (default `/ready`; false: none). */
  readyPath?: string | false
  /** Prometheus metrics (default `/metrics`; false: none, and nothing is measured). */
  metricsPath?: string | false
  /** When set (16 characters or more), `/metrics` answers only `Authorization: Bearer <metricsToken>`; from MCP_METRICS_TOKEN. */
  metricsToken?: string
  stateSecret?: string
  /** The explorer page: true/false, or `{ enabled, path }` (default: `/explorer`, served only while the server is bound to loopback). */
  explorer?: ExplorerOption
  limits?: Partial<Limits>
  /** Sessions, change events and SSE history (default: in memory, for one instance). */
  state?: StateOption
  /** An OpenTelemetry tracer: a span per request and per tool call (default: none; `npm start` makes one from OTEL_* variables). */
  tracer?: Tracer
  /** Where rate-limit counters live: a @fastify/rate-limit store class (default: in memory, per instance). */
  rateLimitStore?: RateLimitStoreClass
}

export type ResolvedPlatformOptions = Plain & { state: StateOption | undefined, tracer: Tracer | undefined, rateLimitStore: RateLimitStoreClass | undefined }

const STATE_PARTS = ['sessions', 'events', 'streams', 'requestStates', 'close'] as const

/** Checks every option and fills the defaults; throws MCP_ERR_INVALID_PLATFORM_OPTIONS listing each wrong value. */
export function resolvePlatformOptions (input: McpPlatformOptions = {}): ResolvedPlatformOptions {
  const { state, tracer, rateLimitStore, ...rest } = input as McpPlatformOptions & Record<string, unknown>
  const candidate = Value.Default(PlainOptionsSchema, {
    ...rest,
    serverInfo: { ...rest.serverInfo },
    transports: { ...rest.transports },
    explorer: explorerInput(rest.explorer),
    limits: { ...rest.limits }
  }) as Plain
  const problems = [...Value.Errors(PlainOptionsSchema, candidate)]
    // A failing union reports its branches too; keep the most specific messages.
    .filter((error, index, all) => !all.some((other, j) => j !== index && other.path.startsWith(error.path + '/')))
    .map((error) => `${error.path.slice(1).replaceAll('/', '.') || '(options)'}: ${error.message}, got ${JSON.stringify(error.value)}`)
  if (state !== undefined && typeof state !== 'function') {
    const missing = STATE_PARTS.filter((part) => (state as unknown as Record<string, unknown> | null)?.[part] === undefined)
    if (missing.length > 0) problems.push(`state: must be a SharedState or a function returning one; missing ${missing.join(', ')}`)
  }
  if (problems.length === 0 && candidate.auth !== undefined) {
    for (const problem of authProblems(candidate.auth, candidate.auth.resource)) problems.push(`auth: ${problem}`)
  }
  if (rateLimitStore !== undefined && typeof rateLimitStore !== 'function') problems.push('rateLimitStore: must be a @fastify/rate-limit store class')
  if (problems.length > 0) throw new MCP_ERR_INVALID_PLATFORM_OPTIONS([...new Set(problems)].join('; '))
  return { ...candidate, state, tracer, rateLimitStore }
}

/** `explorer: true/false` is short for `{ enabled }`; anything not an object is left for the schema to name. */
function explorerInput (value: unknown): unknown {
  if (typeof value === 'boolean') return { enabled: value }
  return value !== null && typeof value === 'object' ? { ...value } : value ?? {}
}
