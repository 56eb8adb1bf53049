/**
 * The explorer page: a small browser MCP client served as static files
 * (apps/server/explorer/, plain ES modules, no build step). The page holds no
 * data and has no private API: everything it shows comes from the MCP
 * endpoint (POST, 2026-07-28), /health and /metrics, with the bearer token the
 * user types in when auth is on. So the files themselves need no credential;
 * what protects the server is the endpoint's own auth, exactly as for any
 * other client (docs/explorer.md).
 */
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { isLoopback } from '../transports/loopback.ts'
import type { ExplorerSettings } from './options.ts'

/** The page's files: beside src/ (and dist/), so the same URL resolves from source and from the build. */
const ROOT = fileURLToPath(new URL('../../explorer/', import.meta.url))

export interface ExplorerRouteOptions extends ExplorerSettings {
  /** Where the page finds the rest, as absolute paths (the prefix included). */
  endpoints: { mcp: string, health: string | undefined, metrics: string | undefined }
  /** Whether the endpoint asks for a bearer token (the page then asks the user for one first). */
  auth: boolean
}

/**
 * The page runs its own scripts and styles only; tool results may carry
 * images and audio as data: URLs; it talks to its own origin only.
 */
const PAGE_HEADERS = Object.freeze({
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin'
})

export const explorerRoutes: FastifyPluginAsync<ExplorerRouteOptions> = async (app, options) => {
  const { path, enabled } = options
  const base = path.endsWith('/') ? path : `${path}/`
  if (enabled === 'loopback') {
    // Decided per request from where the server listens, so it holds for embedders too (they call listen themselves).
    app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (boundToLoopback(app.server.address())) return done()
      reply.callNotFound()
    })
  }
  app.addHook('onListen', (done) => {
    const address = app.server.address()
    if (address !== null && typeof address === 'object' && (enabled === true || boundToLoopback(address))) {
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
      app.log.info(`explorer page: http://${host}:${address.port}${base}`)
    }
    done()
  })
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(PAGE_HEADERS)
    done()
  })
  // `/explorer` → `/explorer/`, so the page's relative module URLs resolve under it.
  if (base !== path) app.get(path, (request, reply) => reply.redirect(`${request.url.split('?')[0]}/`, 301))
  app.get(`${base}settings.json`, async () => ({ endpoints: options.endpoints, auth: options.auth }))
  await app.register(fastifyStatic, {
    root: ROOT,
    prefix: base,
    // The host app may serve static files of its own.
    decorateReply: false,
    index: ['index.html'],
    // No directory listing, no dotfiles; short caching, so a restarted server's page is the new one.
    list: false,
    dotfiles: 'deny',
    maxAge: 60_000
  })
}

/** Loopback, or not listening on TCP yet (app.inject) or on a local socket: the page may be shown. */
function boundToLoopback (address: ReturnType<FastifyRequest['server']['server']['address']>): boolean {
  if (address === null || typeof address === 'string') return true
  return isLoopback(address.address) || address.address.startsWith('127.') || address.address === '::ffff:127.0.0.1'
}
