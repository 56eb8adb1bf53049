/**
 * `npm start`: read the configuration, build the app, listen, and shut down
 * cleanly on SIGINT/SIGTERM (a second signal exits at once).
 */
import { buildApp } from './app.ts'
import { loadConfig } from './config/load.ts'
import { isHostError } from './errors.ts'
import { listenError } from './ops/startup-errors.ts'

async function main (): Promise<void> {
  const config = await loadConfig()

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

  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (error) {
    await app.close().catch(() => {})
    throw listenError(error, config)
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  app.log.info({ tools: [...app.mcpCore.registry.tools.keys()] }, `MCP server listening on http://${host}:${port}${config.path}`)
}

main().catch((error: unknown) => {
  // Host errors say what to do: their code and message, no stack (docs/errors.md lists every code).
  const text = isHostError(error)
    ? `${error.code}: ${error.message}\n(see docs/errors.md)`
    : error instanceof Error ? error.stack ?? error.message : String(error)
  process.stderr.write(`Failed to start: ${text}\n`)
  process.exit(1)
})
