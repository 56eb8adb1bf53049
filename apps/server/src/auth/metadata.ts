/**
 * RFC 9728 protected resource metadata: where a client that got a 401 learns
 * which authorization server issues tokens for this server and which scopes
 * exist. Served at the well-known path and at its form suffixed with the MCP
 * endpoint's path (RFC 9728 §3.1), without authentication.
 */
import type { FastifyPluginAsync } from 'fastify'

export const WELL_KNOWN = '/.well-known/oauth-protected-resource'

export interface ResourceMetadata {
  resource: string
  authorization_servers: string[]
  scopes_supported?: string[]
  bearer_methods_supported: string[]
  resource_name?: string
}

export const metadataRoutes: FastifyPluginAsync<{ document: ResourceMetadata, paths: string[] }> = async (app, { document, paths }) => {
  const body = JSON.stringify(document)
  for (const path of new Set(paths)) {
    app.get(path, async (_request, reply) => reply
      .type('application/json')
      // A public document that browser-based clients fetch from their own origin.
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=300')
      .send(body))
  }
}
