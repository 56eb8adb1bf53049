/**
 * `mcp-platform --stdio`: the configured server over stdin/stdout. The app is
 * built as for HTTP (same config, plugins, limits and state) but never
 * listens; the stdio transport feeds its protocol core. stdout carries only
 * MCP messages: the logs go to stderr, and so does `console.log` of a plugin.
 * End of stdin (the client's way to stop a subprocess) and SIGTERM/SIGINT
 * take the same path as `npm start`'s shutdown: calls in flight get the drain
 * period and their answers still go out, then the process exits 0.
 */
import { Console } from 'node:console'
import { randomBytes } from 'node:crypto'
import closeWithGrace from 'close-with-grace'
import { buildApp } from '../app.ts'
import type { ResolvedConfig } from '../config/load.ts'
import { StdioConnection } from '../transports/stdio/transport.ts'

/** Beyond the drain period, what closing may take (as for HTTP). */
const CLOSE_MARGIN_MS = 5000

export async function runStdio (config: ResolvedConfig): Promise<void> {
  // A plugin's console.log would write a line that is no MCP message into the client's input.
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr })
  // One process serves one client and its state dies with it: a random requestState key is all it needs (no warning).
  const stateSecret = config.stateSecret ?? randomBytes(32).toString('hex')
  const app = await buildApp({ ...config, stateSecret }, { logStream: process.stderr })
  const connection = new StdioConnection({
    core: app.mcpCore,
    input: process.stdin,
    output: process.stdout,
    logger: app.log,
    maxMessageBytes: config.limits.wsMaxMessageBytes,
    maxInFlight: config.limits.wsMaxInFlight
  })
  const grace = closeWithGrace({ delay: config.limits.shutdownDrainMs + CLOSE_MARGIN_MS, logger: app.log }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an uncaught error')
    else if (signal !== undefined) app.log.info(`${signal} received: shutting down (a second signal exits at once)`)
    await app.close()
    connection.close('shutdown')
  })
  void connection.ended.then((why) => {
    app.log.info(`stdio: ${why}: shutting down`)
    void grace.close()
  })
  app.log.info({ tools: [...app.mcpCore.registry.tools.keys()] }, 'MCP server ready on stdio')
}
