/**
 * `mcpPlatform`: the MCP server as a Fastify plugin. Registered on any
 * Fastify instance (under a prefix if wanted), it adds `app.mcp` for the tool
 * plugins registered after it, the MCP endpoint over Streamable HTTP and
 * WebSocket, and a health route. `fastify-plugin` lets the decorators reach
 * the tool plugins; the endpoint's own hooks (Origin/Host check, bearer
 * tokens) stay in an encapsulated context of their own, so they never touch
 * the host application's routes.
 */
import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify'
import { MCP_ERR_WEBSOCKET_TWICE } from '../errors.ts'
import { healthRoutes } from '../ops/health.ts'
import { readyRoutes } from '../ops/ready.ts'
import { metricsRoutes, PlatformMetrics } from '../ops/metrics.ts'
import { explorerRoutes } from '../explorer/plugin.ts'
import { RequestLog } from '../ops/request-log.ts'
import type { RequestObserver } from '../protocol/context.ts'
import { methods } from '../protocol/methods/index.ts'
import { ProtocolCore } from '../protocol/dispatcher.ts'
import { decorateRegistry } from '../registry/plugin.ts'
import { Registry } from '../registry/registry.ts'
import { createMemoryState, type SharedState } from '../state/index.ts'
import { createCredentialCheck, enableAuth, principalOf, resolveAuth, type AuthRuntime } from '../auth/plugin.ts'
import { metadataRoutes } from '../auth/metadata.ts'
import { endpointGuard } from '../transports/http/endpoint-guard.ts'
import { StreamQuota } from '../transports/stream-quota.ts'
import { httpTransport } from '../transports/http/plugin.ts'
import { createWebSocketTransport, type WebSocketTransport, type WebSocketTransportOptions } from '../transports/websocket/transport.ts'
import { resolvePlatformOptions, type McpPlatformOptions, type ResolvedPlatformOptions } from './options.ts'
import { createShutdown } from './shutdown.ts'
import type { RateLimitStoreClass } from '../auth/rate-limit.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The protocol core (for transports added by other plugins, and tests). */
    readonly mcpCore: ProtocolCore
  }
}

/** Marks an HTTP server whose WebSocket upgrades a platform already serves. */
const kWebSocketServed = Symbol('mcp.websocketServed')

async function platform (app: FastifyInstance, input: McpPlatformOptions): Promise<void> {
  const options = resolvePlatformOptions(input)
  const { limits } = options
  const state = await stateFrom(options, app.log)
  const ownsState = typeof options.state !== 'object'

  const registry = new Registry()
  const metrics = options.metricsPath === false ? undefined : new PlatformMetrics(methods.keys(), () => registry.tools)
  if (metrics !== undefined) state.onError?.(() => metrics.redisErrors.inc())
  const observers: RequestObserver[] = []
  if (metrics !== undefined) observers.push(metrics)
  // Loaded only with a tracer: the OpenTelemetry modules stay out of servers without traces.
  if (options.tracer !== undefined) observers.push(new (await import('../ops/tracing.ts')).TracingObserver(options.tracer))
  // Decided once, at start: below debug the request path has no log call at all (LOG_LEVEL=debug turns it on).
  if (debugEnabled(app.log)) observers.push(new RequestLog(app.log))
  const core = new ProtocolCore(registry, state, {
    observer: observers.length <= 1 ? observers[0] : { requestEnded: (request) => { for (const o of observers) o.requestEnded(request) } },
    serverInfo: options.serverInfo,
    instructions: options.instructions,
    handlerTimeoutMs: limits.toolTimeoutMs,
    pageSize: limits.pageSize,
    listTtlMs: limits.listTtlMs,
    stateKey: stateKeyFrom(options, app),
    requestStateTtlMs: limits.requestStateTtlMs,
    budgets: {
      clientInfoMaxBytes: limits.clientInfoMaxBytes,
      capabilitiesMaxBytes: limits.capabilitiesMaxBytes,
      maxSubscriptionsPerSession: limits.maxSubscriptionsPerSession,
      maxUriLength: limits.maxUriLength,
      maxSessionsPerClient: limits.maxSessionsPerClient,
      maxResultBytes: limits.maxResultBytes,
      maxTasks: limits.maxTasks,
      maxTasksPerClient: limits.maxTasksPerClient,
      toolQueueMax: limits.toolQueueMax
    },
    tasks: {
      ttlMs: limits.taskTtlMs,
      afterMs: limits.taskAfterMs,
      timeoutMs: limits.taskTimeoutMs,
      pollIntervalMs: limits.taskPollIntervalMs
    }
  }, app.log)
  app.decorate('mcpCore', core)
  decorateRegistry(app, registry)
  if (!app.hasRequestDecorator('mcpPrincipal')) app.decorateRequest('mcpPrincipal', null)

  const auth = resolveAuth(options.auth, { prefix: app.prefix, path: options.path, name: options.serverInfo.name })
  let authRuntime: AuthRuntime | undefined
  const streamQuota = new StreamQuota({ maxStreams: limits.maxStreams, maxStreamsPerClient: limits.maxStreamsPerClient, log: app.log })
  const websocket = options.transports.websocket
    ? claimWebSocket(app, core, options, streamQuota, async (request) => await authRuntime?.admitMessage?.(request))
    : undefined
  await app.register(async function mcpEndpoint (scope) {
    scope.addHook('onRequest', endpointGuard({ allowedOrigins: options.allowedOrigins, allowedHosts: options.allowedHosts }))
    if (auth !== undefined) {
      authRuntime = await enableAuth(scope, auth, { perMinute: limits.rateLimitPerMinute, ipPerMinute: limits.rateLimitIpPerMinute, store: options.rateLimitStore ?? state.rateLimitStore as RateLimitStoreClass | undefined })
    }
    // WebSocket upgrades of GET <path> go to the WebSocket transport; everything else stays HTTP.
    await scope.register(httpTransport, {
      core,
      path: options.path,
      http: options.transports.http,
      bodyLimit: limits.bodyLimit,
      keepAliveMs: limits.sseKeepAliveMs,
      resumeFollowMs: limits.toolTimeoutMs + limits.shutdownDrainMs,
      maxUnsentBytes: limits.httpMaxUnsentBytes,
      writeTimeoutMs: limits.writeTimeoutMs,
      streamQuota,
      sseRetryMs: 1000,
      eventStore: state.streams,
      principalOf,
      scopeChallenge: auth?.challenges.insufficientScope,
      websocket
    })
  })
  if (auth?.metadata !== undefined) await app.register(metadataRoutes, auth.metadata)
  const healthPath = options.healthPath
  if (healthPath !== false) {
    await app.register(async function health (scope) {
      // With auth on, only a caller with a valid credential sees more than the status.
      const showDetail = auth !== undefined ? await createCredentialCheck(scope, auth) : undefined
      await scope.register(healthRoutes, { core, path: healthPath, showDetail })
    })
  }
  if (options.readyPath !== false) await app.register(readyRoutes, { core, state, path: options.readyPath })
  if (metrics !== undefined && options.metricsPath !== false) {
    metrics.watch({ core, openStreams: () => streamQuota.open, openSockets: () => websocket?.connections.size ?? 0 })
    await app.register(metricsRoutes, { metrics, path: options.metricsPath, token: options.metricsToken })
  }
  if (options.explorer.enabled !== false) {
    const at = (path: string | false) => path === false ? undefined : `${app.prefix}${path}`
    await app.register(explorerRoutes, {
      ...options.explorer,
      endpoints: { mcp: `${app.prefix}${options.path}`, health: at(healthPath), metrics: at(options.metricsPath) },
      auth: auth !== undefined
    })
  }

  // Shutdown never waits inside preClose (Fastify times those hooks with pluginTimeout): it starts
  // there, calls in flight keep their connections (and so the server) open until they end or the
  // drain period aborts them, and onClose waits for the rest.
  const shutdown = createShutdown({
    core,
    websocket,
    drainMs: limits.shutdownDrainMs,
    log: app.log,
    closeIdleConnections: () => { app.server.closeIdleConnections() }
  })
  // Its failure, if any, is reported by the onClose hook that awaits it.
  app.addHook('preClose', async () => { shutdown().catch(() => {}) })
  app.addHook('onClose', async () => {
    await shutdown()
    if (ownsState) await state.close()
  })
}

/** The platform's WebSocket transport; one per HTTP server, since upgrades are routed server-wide. */
function claimWebSocket (
  app: FastifyInstance, core: ProtocolCore, options: ResolvedPlatformOptions, streamQuota: StreamQuota,
  admitMessage: WebSocketTransportOptions['admitMessage']
): WebSocketTransport {
  const server = app.server as unknown as Record<symbol, boolean>
  if (server[kWebSocketServed] === true) throw new MCP_ERR_WEBSOCKET_TWICE()
  server[kWebSocketServed] = true
  const { limits } = options
  return createWebSocketTransport({
    core,
    maxMessageBytes: limits.wsMaxMessageBytes,
    maxInFlight: limits.wsMaxInFlight,
    maxBacklogBytes: limits.wsMaxBacklogBytes,
    pingIntervalMs: limits.wsPingIntervalMs,
    idleTimeoutMs: limits.wsIdleTimeoutMs,
    maxBufferedBytes: limits.wsMaxBufferedBytes,
    principalOf,
    admitMessage,
    streamQuota
  })
}

/** Pino's own check when the logger is pino; a level name otherwise (an embedder's own logger). */
function debugEnabled (log: FastifyBaseLogger): boolean {
  const check = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled
  return typeof check === 'function' ? check.call(log, 'debug') : log.level === 'debug' || log.level === 'trace'
}

async function stateFrom (options: ResolvedPlatformOptions, log: FastifyBaseLogger): Promise<SharedState> {
  const { state, limits } = options
  if (state === undefined) return createMemoryState(limits)
  return typeof state === 'function' ? await state(limits, log) : state
}

function stateKeyFrom (options: ResolvedPlatformOptions, app: FastifyInstance): Buffer {
  if (options.stateSecret !== undefined) return Buffer.from(options.stateSecret)
  app.log.warn('MCP_STATE_SECRET is not set: using a random key, so multi round-trip requestState issued by this process will not verify on other instances or after a restart')
  return randomBytes(32)
}

export const mcpPlatform: FastifyPluginAsync<McpPlatformOptions> = fp(platform, {
  name: '@mcp-platform/server',
  fastify: '5.x'
})
