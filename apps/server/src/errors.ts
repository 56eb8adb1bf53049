/**
 * Host errors: what can go wrong registering, configuring or starting the
 * platform, each a coded Fastify error (`MCP_ERR_…`, listed in docs/errors.md).
 * Errors that go on the wire to MCP clients are in protocol/errors.ts.
 */
import createError from '@fastify/error'

export const InvalidPlatformOptionsError = createError<[string]>('MCP_ERR_INVALID_PLATFORM_OPTIONS',
  'Invalid mcpPlatform options: %s')

export const WebSocketTwiceError = createError('MCP_ERR_WEBSOCKET_TWICE',
  'The MCP WebSocket transport is already served by another mcpPlatform on this HTTP server: ' +
  'register the second platform with transports: { websocket: false }, or on its own Fastify instance')
