/**
 * The public API of `@mcp-platform/server`: the platform plugin and the
 * standalone server built on it, the types plugin authors use, and the
 * configuration helpers. Anything not exported here is internal.
 */
export { mcpPlatform } from './platform/plugin.ts'
export type { McpPlatformOptions, StateOption } from './platform/options.ts'
export { buildApp, platformOptions, type BuildOptions } from './app.ts'
export { defineConfig, type AppConfig, type PluginEntry, type ServerConfig, type Limits } from './config/schema.ts'
export { loadConfig } from './config/load.ts'
// Host errors: `errorCodes.MCP_ERR_…` (as Fastify's `errorCodes`); configuration errors are also `instanceof ConfigError`.
export * as errorCodes from './errors.ts'
export { ConfigError, isHostError, type HostError } from './errors.ts'
export { createMemoryState, type SharedState } from './state/index.ts'
export { createRedisState, type RedisStateOptions } from './state/redis/lazy.ts'
/** Fastify's `clientErrorHandler` option: unparsable requests get a JSON-RPC error and `Connection: close`. */
export { clientErrorHandler } from './transports/http/client-error.ts'
export { asToolError, ToolError } from './registry/tool-error.ts'
export { jsonSchema } from './registry/json-schema.ts'
/** A plugin loaded in a worker pool or a sandboxed process, for embedders (docs/isolation.md). */
export { isolatedPlugin, type IsolatedPluginOptions } from './isolation/register.ts'
export type * from './registry/types.ts'
export { LATEST_PROTOCOL_VERSION, SUPPORTED_VERSIONS, MODERN_VERSIONS, LEGACY_VERSIONS } from './protocol/versions.ts'
// Brings the `app.mcp` decorator's type into any program that imports this package.
export type {} from './registry/plugin.ts'
