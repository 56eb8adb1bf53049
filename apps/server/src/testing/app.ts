/**
 * The app under test: the real host (`buildApp`) with quiet logs and a fixed
 * state secret (so MRTR requestState verifies and nothing warns), closed when
 * the test ends. Any test runner works: it only needs `teardown`.
 */
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildOptions } from '../app.ts'
import type { AppConfig } from '../config/schema.ts'

/** What the kit needs from a test: a place to register cleanup (tap's `t`, or any object with `teardown`). */
export interface Teardown { teardown (fn: () => unknown): void }

/** The state secret test apps use unless the config names one. */
export const TEST_STATE_SECRET = 'mcp-platform-test-state-secret'

async function build (config: AppConfig, options: BuildOptions): Promise<FastifyInstance> {
  return await buildApp({ logLevel: 'silent', stateSecret: TEST_STATE_SECRET, ...config }, options)
}

/**
 * A ready app with `config` (plugins, limits...) for `app.inject()` or
 * `createInjectClient`; closed at teardown (closing it earlier is fine).
 * Rejects, registering nothing, when the start fails.
 */
export async function buildTestApp (t: Teardown, config: AppConfig = {}, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = await build(config, options)
  t.teardown(async () => { await app.close() })
  return app
}

export interface TestServer {
  app: FastifyInstance
  /** The MCP endpoint, e.g. `http://127.0.0.1:PORT/mcp`. */
  url: URL
  /** The same endpoint for WebSocket clients, e.g. `ws://127.0.0.1:PORT/mcp`. */
  wsUrl: string
  port: number
  /** Destroys every client socket (fetch keeps idle ones open for seconds, which would hold up `app.close()`). */
  dropConnections (): void
}

/**
 * The app listening on 127.0.0.1 and a free port, for real clients (SDKs,
 * fetch, ws). At teardown it closes and drops the client sockets left open.
 */
export async function startTestServer (t: Teardown, config: AppConfig = {}, options: BuildOptions = {}): Promise<TestServer> {
  const app = await build(config, options)
  const sockets = new Set<Socket>()
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const dropConnections = () => { for (const socket of sockets) socket.destroy() }
  t.teardown(async () => {
    const closing = app.close()
    setImmediate(dropConnections)
    await closing
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the test server has no TCP port')
  const path = config.path ?? '/mcp'
  return {
    app,
    url: new URL(`http://127.0.0.1:${address.port}${path}`),
    wsUrl: `ws://127.0.0.1:${address.port}${path}`,
    port: address.port,
    dropConnections
  }
}
