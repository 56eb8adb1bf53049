#!/usr/bin/env node
/**
 * `mcp-platform` (the package's bin; `npm start`, `npm run stdio`): read the
 * configuration, then serve it over HTTP (build the app, listen) or, with
 * `--stdio`, over stdin/stdout (cli/stdio.ts). Both shut down cleanly on
 * SIGINT/SIGTERM through close-with-grace: calls in flight get the drain
 * period, a second signal exits at once, and a clean drain exits 0.
 */
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { HELP, parseArgs } from './cli/args.ts'
import { runStdio } from './cli/stdio.ts'
import { loadConfig } from './config/load.ts'
import { exitOnStartFailure, listenError } from './ops/startup-errors.ts'

/** Beyond the drain period, what closing may take (aborted calls answering, sockets closing, state closing). */
const CLOSE_MARGIN_MS = 5000

async function main (): Promise<void> {
  const command = parseArgs(process.argv.slice(2))
  if (command.run === 'help') {
    process.stdout.write(HELP)
    return
  }
  if (command.run === 'error') {
    process.stderr.write(`mcp-platform: ${command.message}\n\n${HELP}`)
    process.exitCode = 2
    return
  }
  const config = await loadConfig()
  if (command.run === 'stdio') return await runStdio(config)

  const app = await buildApp(config)
  closeWithGrace({ delay: config.limits.shutdownDrainMs + CLOSE_MARGIN_MS, logger: app.log }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an uncaught error')
    else app.log.info(`${signal ?? 'close'} received: shutting down (a second signal exits at once)`)
    await app.close()
  })

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

main().catch(exitOnStartFailure)
