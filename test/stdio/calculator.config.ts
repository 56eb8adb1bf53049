/** The stdio process tests' configuration: the calculator only (MCP_PLUGINS adds what a test needs). */
import { defineConfig } from '@mcp-platform/server'

export default defineConfig({
  plugins: [{ module: '@mcp-platform/calculator' }]
})
