/**
 * `buildApp(config)`: the standalone server, composed of the parts an
 * embedder uses too: Fastify with the config's server options, the
 * `mcpPlatform` plugin, then each configured tool plugin in its own
 * encapsulated context. It returns a ready instance.
 */
import { STATUS_CODES } from 'node:http'
import { resolve } from 'node:path'
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { normalizeConfig, type ResolvedConfig } from './config/load.ts'
import { loadPlugin, registerToolPlugin } from './config/plugins.ts'
import { registerIsolatedPlugin, type IsolatedEntry } from './isolation/register.ts'
import type { AppConfig } from './config/schema.ts'
import type { McpPlatformOptions, StateOption } from './platform/options.ts'
import { mcpPlatform } from './platform/plugin.ts'
import { lazyChildLogger } from './ops/lazy-child-logger.ts'
import { tracingConfigured } from './ops/tracing-env.ts'
import { logDestination, logFormatFor, type LogFormatSetting } from './ops/log-output.ts'
import { shedLoad } from './ops/shed-load.ts'
import { RateLimitedWarning } from './protocol/log-values.ts'
import { clientErrorHandler } from './transports/http/client-error.ts'
import { isLoopback, LOOPBACK_HOSTS } from './transports/loopback.ts'
import { loadApiKeys } from './auth/api-keys.ts'
import { authModeOf } from './auth/mode.ts'
import type { ApiKey } from './auth/options.ts'
import { MCP_ERR_PUBLIC_HOSTS, MCP_ERR_UNAUTHENTICATED_PUBLIC_BIND } from './errors.ts'

export interface BuildOptions {
  /** Pino options, instead of the ones made from `logLevel`. */
  logger?: FastifyServerOptions['logger']
  /** Where the default logger writes (default: stdout; `--stdio`: stderr; tests capture logs with it). */
  logStream?: NodeJS.WritableStream
  /** Where relative plugin paths are resolved (default: the working directory). */
  cwd?: string
  /** Further Fastify server options (e.g. `pluginTimeout`). */
  fastify?: FastifyServerOptions
}

export async function buildApp (input: AppConfig = {}, build: BuildOptions = {}): Promise<FastifyInstance> {
  const config = normalizeConfig(input)
  const apiKeys = authModeOf({ ...config.auth, jwtSecret: config.jwtSecret }) === 'apikey' && config.auth.apiKeysFile !== undefined
    ? await loadApiKeys(resolve(build.cwd ?? process.cwd(), config.auth.apiKeysFile))
    : undefined
  const platform = platformOptions(config, apiKeys)
  const app = Fastify({
    logger: build.logger ?? {
      level: config.logLevel,
      // Credentials never reach the logs: tokens, API keys (they travel as bearer tokens), WebSocket subprotocol tokens, session ids.
      redact: REDACTED_PATHS,
      serializers: { req: requestForLog },
      ...await logStreamOption(config.logFormat, build.logStream)
    },
    bodyLimit: config.limits.bodyLimit,
    // Per-request info logs cost more than the MCP work on the hot path; errors and warnings are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // A request's pino child is made only if the request logs something (most log nothing).
    childLoggerFactory: lazyChildLogger,
    return503OnClosing: true,
    clientErrorHandler,
    frameworkErrors: plainError,
    ...build.fastify
  })
  app.setErrorHandler(plainError)
  if (!isLoopback(config.host) && platform.auth === undefined) {
    app.log.warn(`serving ${config.host} with no authentication (MCP_ALLOW_UNAUTHENTICATED_PUBLIC is set): every caller that reaches it may call every tool`)
  }

  // Before the platform: Fastify applies hooks to the routes registered after them.
  if (config.limits.maxEventLoopDelayMs > 0) await app.register(shedLoad, { maxEventLoopDelayMs: config.limits.maxEventLoopDelayMs })
  // Traces only when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT); flushed on close.
  const tracing = tracingConfigured(process.env)
    ? (await import('./ops/tracing-export.ts')).tracingFromEnv(process.env, config.serverVersion)
    : undefined
  if (tracing !== undefined) app.addHook('onClose', async () => { await tracing.shutdown() })
  await app.register(mcpPlatform, { ...platform, tracer: tracing?.tracer })
  // A hard cap on sockets, above the platform's stream quota, so /health still gets in when streams are full.
  if (config.limits.maxConnections > 0) app.server.maxConnections = config.limits.maxConnections

  const cwd = build.cwd ?? process.cwd()
  for (const entry of config.plugins) {
    // Each tool plugin runs in its own encapsulated context; a failure names the plugin and its file.
    if ('module' in entry && entry.isolate !== undefined) registerIsolatedPlugin(app, entry as IsolatedEntry, cwd, config.limits)
    else registerToolPlugin(app, await loadPlugin(entry, cwd))
  }

  try {
    await app.ready()
  } catch (error) {
    await app.close().catch(() => {})
    throw error
  }
  app.log.debug({ tools: [...app.mcpCore.registry.tools.keys()] }, 'registry ready')
  return app
}

/** The logger's `stream`: pino's own stdout writer for JSON to stdout (the fastest), else the given stream, pretty or not. */
async function logStreamOption (format: LogFormatSetting, stream: NodeJS.WritableStream | undefined): Promise<{ stream?: NodeJS.WritableStream }> {
  const target = stream ?? process.stdout
  if (logFormatFor(format, target) === 'json') return stream === undefined ? {} : { stream }
  return { stream: await logDestination(format, target) }
}

/**
 * Errors outside the MCP endpoint (other paths, /health, a URL that is not
 * valid): Fastify's default body names its internal codes (FST_ERR_…) and,
 * for a 5xx, the error's own message; this answers with the status and its text.
 */
function plainError (error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
  if (status === 500) request.log.error({ err: error }, 'request failed')
  return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status], message: status === 500 ? 'Internal Server Error' : error.message })
}

/**
 * The platform's options from the server's configuration. On a public bind it
 * refuses to serve without authentication (unless explicitly allowed) and
 * without knowing its Host names.
 */
export function platformOptions (config: ResolvedConfig, apiKeys?: ApiKey[]): McpPlatformOptions {
  const mode = authModeOf({ ...config.auth, jwtSecret: config.jwtSecret, apiKeys })
  const local = isLoopback(config.host)
  if (!local && mode === 'none' && !config.auth.allowUnauthenticatedPublic) throw new MCP_ERR_UNAUTHENTICATED_PUBLIC_BIND(config.host)
  const publicHost = config.publicUrl !== undefined ? new URL(config.publicUrl).hostname.toLowerCase() : undefined
  let allowedHosts = config.allowedHosts
  if (allowedHosts === undefined) {
    if (local) allowedHosts = publicHost !== undefined && !LOOPBACK_HOSTS.includes(publicHost) ? [...LOOPBACK_HOSTS, publicHost] : [...LOOPBACK_HOSTS]
    else if (publicHost !== undefined) allowedHosts = [publicHost]
    else throw new MCP_ERR_PUBLIC_HOSTS(config.host)
  }
  const { allowUnauthenticatedPublic: _, apiKeysFile: __, ...auth } = config.auth
  return {
    serverInfo: { name: config.serverName, version: config.serverVersion },
    instructions: config.instructions,
    path: config.path,
    allowedOrigins: config.allowedOrigins,
    allowedHosts,
    auth: mode === 'none' ? undefined : { ...auth, mode, resource: config.publicUrl, jwtSecret: config.jwtSecret, apiKeys },
    stateSecret: config.stateSecret,
    metricsToken: config.metricsToken,
    explorer: config.explorer,
    limits: config.limits,
    state: config.redisUrl === undefined ? undefined : redisState(config.redisUrl)
  }
}

/** REDIS_URL set: the shared state in Redis; connection trouble is logged at most every 10 s. */
function redisState (url: string): StateOption {
  return async (limits, log) => {
    // Loaded here: ioredis and the Redis stores stay out of servers whose state is in memory (start-up time).
    const [{ redactRedisUrl }, { createRedisState }] = await Promise.all([import('./state/redis/connection.ts'), import('./state/redis/index.ts')])
    const warning = new RateLimitedWarning()
    log.info({ redis: redactRedisUrl(url) }, 'shared state in Redis')
    return createRedisState(limits, {
      url,
      onError: (error) => warning.warn(log, { err: { message: error.message } }, 'Redis connection trouble: calls that need shared state fail until it is back')
    })
  }
}

const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["mcp-session-id"]',
  'req.headers["sec-websocket-protocol"]', 'req.headers["x-api-key"]'
]

/** The request as logged: its URL without the query string, where a careless client may have put a token. */
function requestForLog (request: FastifyRequest): Record<string, unknown> {
  const url = request.url
  const query = url.indexOf('?')
  return {
    method: request.method,
    url: query === -1 ? url : `${url.slice(0, query)}?…`,
    host: request.host,
    remoteAddress: request.ip
  }
}
