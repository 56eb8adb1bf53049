/** What plugin authors and embedders import from `@mcp-platform/server`. */
export { buildApp, type BuildOptions } from './app.js'
export { defineConfig, type AppConfig, type PluginEntry, type ServerConfig } from './config/schema.js'
export { loadConfig, ConfigError } from './config/load.js'
export { ToolError } from './registry/tool-error.js'
export type * from './registry/types.js'
export { LATEST_PROTOCOL_VERSION, SUPPORTED_VERSIONS, MODERN_VERSIONS, LEGACY_VERSIONS } from './protocol/versions.js'
// Brings the `app.mcp` decorator's type into any program that imports this package.
export type {} from './registry/plugin.js'
