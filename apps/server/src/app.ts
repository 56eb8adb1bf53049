/**
 * `buildApp(config)`: the Fastify host. It wires, in order: the registry
 * decorator, the protocol core and its state, the transports (behind the
 * Origin/Host check), health, and finally the tool plugins, each in its own
 * encapsulated context. It returns a ready instance.
 */
import { randomBytes } from 'node:crypto'
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { normalizeConfig, type ResolvedConfig } from './config/load.ts'
import { loadPlugin, registerToolPlugin } from './config/plugins.ts'
import type { AppConfig } from './config/schema.ts'
import { healthRoutes } from './ops/health.ts'
import { ProtocolCore } from './protocol/dispatcher.ts'
import { Sessions } from './protocol/sessions.ts'
import { registryPlugin } from './registry/plugin.ts'
import { Registry } from './registry/registry.ts'
import { createMemoryState } from './state/index.ts'
import { enableAuth, principalOf } from './transports/auth.ts'
import { createOriginCheck } from './transports/http/origin.ts'
import { httpTransport } from './transports/http/plugin.ts'
import { createWebSocketTransport } from './transports/websocket/transport.ts'

export interface BuildOptions {
  /** Pino options, instead of the ones made from `logLevel`. */
  logger?: FastifyServerOptions['logger']
  /** Where the default logger writes (tests capture logs with it). */
  logStream?: NodeJS.WritableStream
  /** Where relative plugin paths are resolved (default: the working directory). */
  cwd?: string
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]']

declare module 'fastify' {
  interface FastifyInstance {
    /** The protocol core (for transports added by other plugins, and tests). */
    readonly mcpCore: ProtocolCore
  }
}

export async function buildApp (input: AppConfig = {}, build: BuildOptions = {}): Promise<FastifyInstance> {
  const config = normalizeConfig(input)
  const app = Fastify({
    logger: build.logger ?? {
      level: config.logLevel,
      // Credentials never reach the logs.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["mcp-session-id"]'],
      ...(build.logStream !== undefined ? { stream: build.logStream } : {})
    },
    bodyLimit: config.limits.bodyLimit,
    // Per-request info logs cost more than the MCP work on the hot path; errors and warnings are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true
  })

  const stateKey = stateKeyFrom(config, app)
  const registry = new Registry()
  const state = createMemoryState(config.limits)
  const core = new ProtocolCore(registry, new Sessions(state.sessions), state.events, {
    serverInfo: { name: config.serverName, version: config.serverVersion },
    instructions: config.instructions,
    handlerTimeoutMs: config.limits.toolTimeoutMs,
    pageSize: config.limits.pageSize,
    listTtlMs: config.limits.listTtlMs,
    stateKey,
    requestStateTtlMs: config.limits.requestStateTtlMs
  }, app.log)
  app.decorate('mcpCore', core)

  await app.register(registryPlugin, { registry })
  await app.register(async function transports (scope) {
    scope.addHook('onRequest', createOriginCheck({
      allowedOrigins: config.allowedOrigins,
      allowedHosts: config.allowedHosts ?? (LOOPBACK_HOSTS.includes(config.host) ? ['localhost', '127.0.0.1', '[::1]'] : ['*'])
    }))
    if (config.jwtSecret !== undefined) {
      await enableAuth(scope, { secret: config.jwtSecret, issuer: config.auth.issuer, audience: config.auth.audience })
    }
    // WebSocket upgrades of GET <path> go to the WebSocket transport; everything else stays HTTP.
    const websocket = createWebSocketTransport({
      core,
      maxMessageBytes: config.limits.wsMaxMessageBytes,
      maxInFlight: config.limits.wsMaxInFlight,
      pingIntervalMs: config.limits.wsPingIntervalMs,
      idleTimeoutMs: config.limits.wsIdleTimeoutMs,
      maxBufferedBytes: config.limits.wsMaxBufferedBytes,
      drainMs: config.limits.shutdownDrainMs,
      principalOf
    })
    await scope.register(websocket.plugin)
    await scope.register(httpTransport, {
      core,
      path: config.path,
      bodyLimit: config.limits.bodyLimit,
      keepAliveMs: config.limits.sseKeepAliveMs,
      sseRetryMs: 1000,
      eventStore: state.streams,
      principalOf,
      websocket: websocket.handler
    })
  })
  await app.register(healthRoutes, { core })

  const cwd = build.cwd ?? process.cwd()
  for (const entry of config.plugins) {
    // Each tool plugin runs in its own encapsulated context; a failure names the plugin and its file.
    registerToolPlugin(app, await loadPlugin(entry, cwd))
  }

  app.addHook('preClose', async () => {
    // Subscriptions end with a final response; calls in flight get a little time, then are aborted.
    core.beginShutdown()
    await drain(core, config.limits.shutdownDrainMs)
    core.abortAll('the server is shutting down')
    // Open notification streams would keep the HTTP server from closing.
    core.sessions.closeStreams()
  })
  app.addHook('onClose', async () => { await state.close() })

  try {
    await app.ready()
  } catch (error) {
    await app.close().catch(() => {})
    throw error
  }
  app.log.debug({ tools: [...registry.tools.keys()] }, 'registry ready')
  return app
}

function stateKeyFrom (config: ResolvedConfig, app: FastifyInstance): Buffer {
  if (config.stateSecret !== undefined) return Buffer.from(config.stateSecret)
  app.log.warn('MCP_STATE_SECRET is not set: using a random key, so multi round-trip requestState issued by this process will not verify on other instances or after a restart')
  return randomBytes(32)
}

async function drain (core: ProtocolCore, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (core.calls.size > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
