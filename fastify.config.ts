/**
 * The server's configuration. Every value can be overridden from the
 * environment (see the README's configuration table); secrets such as
 * MCP_STATE_SECRET or DATABASE_URL come only from the environment.
 */
import { defineConfig } from '@mcp-platform/server'

export default defineConfig({
  host: '127.0.0.1',
  port: 3000,
  path: '/mcp',
  serverName: 'mcp-platform',
  instructions: 'Tools: calculate (arithmetic), weather_current / weather_forecast (Open-Meteo), db_query / db_list_tables / db_describe_table (read-only SQL).',
  plugins: [
    { module: '@mcp-platform/calculator' },
    // Upstream URLs: WEATHER_API_URL, GEOCODING_API_URL (default: Open-Meteo's public API).
    { module: '@mcp-platform/weather' },
    // DATABASE_URL: postgres://… or sqlite:/path/to/file.db (default: an embedded, seeded SQLite).
    { module: '@mcp-platform/db' }
  ],
  limits: {
    bodyLimit: 1_048_576,
    toolTimeoutMs: 30_000
  },
  // Browser origins allowed to call the server; empty means loopback origins only.
  allowedOrigins: [],
  // The explorer page (docs/explorer.md): served at /explorer/ only while bound to loopback by default.
  explorer: { enabled: 'loopback', path: '/explorer' }
})
