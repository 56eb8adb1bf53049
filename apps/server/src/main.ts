/**
 * `npm start`: read the configuration, build the app, listen, and shut down
 * cleanly on SIGINT/SIGTERM (a second signal exits at once).
 */
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config/load.ts'

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
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) {
      app.log.warn(`${signal} again: exiting now`)
      process.exit(1)
    }
    stopping = true
    app.log.info(`${signal} received: shutting down`)
    app.close().then(() => process.exit(0), (error: unknown) => {
      app.log.error({ err: error }, 'error while shutting down')
      process.exit(1)
    })
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))

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
