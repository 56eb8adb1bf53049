/**
 * `npm start`: read the configuration, build the app, listen, and shut down
 * cleanly on SIGINT/SIGTERM through close-with-grace: calls in flight get the
 * drain period, a second signal exits at once, and a clean drain exits 0.
 */
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config/load.ts'

/** Beyond the drain period, what closing may take (aborted calls answering, sockets closing, state closing). */
const CLOSE_MARGIN_MS = 5000

async function main (): Promise<void> {
  let config
  try {
    config = await loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      process.exit(1)
    }
    throw error
  }

  const app = await buildApp(config)
  closeWithGrace({ delay: config.limits.shutdownDrainMs + CLOSE_MARGIN_MS, logger: app.log }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an uncaught error')
    else app.log.info(`${signal ?? 'close'} received: shutting down (a second signal exits at once)`)
    await app.close()
  })

  await app.listen({ host: config.host, port: config.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  app.log.info({ tools: [...app.mcpCore.registry.tools.keys()] }, `MCP server listening on http://${host}:${port}${config.path}`)
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exit(1)
})
