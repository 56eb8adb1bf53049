/** What plugin authors and embedders import from `@mcp-platform/server`. */
export { buildApp, type BuildOptions } from './app.ts'
export { defineConfig, type AppConfig, type PluginEntry, type ServerConfig } from './config/schema.ts'
export { loadConfig } from './config/load.ts'
// Host errors: `errorCodes.MCP_ERR_…` (as Fastify's `errorCodes`); configuration errors are also `instanceof ConfigError`.
export * as errorCodes from './errors.ts'
export { ConfigError, isHostError, type HostError } from './errors.ts'
export { ToolError } from './registry/tool-error.ts'
export type * from './registry/types.ts'
export { LATEST_PROTOCOL_VERSION, SUPPORTED_VERSIONS, MODERN_VERSIONS, LEGACY_VERSIONS } from './protocol/versions.ts'
// Brings the `app.mcp` decorator's type into any program that imports this package.
export type {} from './registry/plugin.ts'
