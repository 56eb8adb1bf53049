/**
 * `npm run dev`: the server for plugin development. It serves like
 * `npm start` (same configuration and environment) from the TypeScript
 * sources, and reloads a plugin in place when its files change, without
 * restarting the process: sessions and streams stay open, and connected
 * clients are told the lists changed (see reloader.ts).
 */
import closeWithGrace from 'close-with-grace'
import { buildApp } from '../app.ts'
import { loadConfig } from '../config/load.ts'
import { exitOnStartFailure, listenError } from '../ops/startup-errors.ts'
import { startDevReloader } from './reloader.ts'

const CLOSE_MARGIN_MS = 5000

async function main (): Promise<void> {
  const config = await loadConfig()
  // The host without the configured plugins: the reloader runs each in a context of its own.
  const app = await buildApp({ ...config, plugins: [] })
  const dev = await startDevReloader(config.plugins, { registry: app.mcpCore.registry, log: app.log, cwd: process.cwd() })
  closeWithGrace({ delay: config.limits.shutdownDrainMs + CLOSE_MARGIN_MS, logger: app.log }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an uncaught error')
    else app.log.info(`${signal ?? 'close'} received: shutting down (a second signal exits at once)`)
    // Calls in flight drain first (they run the plugins' handlers), then the plugins' contexts close.
    await app.close()
    await dev.close()
  })

  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (error) {
    await app.close().catch(() => {})
    await dev.close()
    throw listenError(error, config)
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  app.log.info({ tools: [...app.mcpCore.registry.tools.keys()], dev: 'plugins reload when their files change' }, `MCP server listening on http://${host}:${port}${config.path}`)
}

main().catch(exitOnStartFailure)
