/**
 * The one shutdown path of a platform, shared by both transports: stop
 * taking long-lived requests, let calls in flight finish for the drain
 * period, abort the rest, then close the WebSocket connections. It runs
 * once, however many hooks ask for it.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { ProtocolCore } from '../protocol/dispatcher.ts'
import type { WebSocketTransport } from '../transports/websocket/transport.ts'

/** After the drain period, how long aborted calls have to send their (error) answers. */
const ABORTED_ANSWER_MS = 1000

export interface ShutdownOptions {
  core: ProtocolCore
  websocket: WebSocketTransport | undefined
  drainMs: number
  log: FastifyBaseLogger
  /** Ends the HTTP connections that sit idle (kept alive) once their last answer is out. */
  closeIdleConnections: () => void
}

export function createShutdown ({ core, websocket, drainMs, log, closeIdleConnections }: ShutdownOptions): () => Promise<void> {
  let running: Promise<void> | undefined
  return async () => await (running ??= run())

  async function run (): Promise<void> {
    // Subscriptions end with a final response; open notification streams would keep the server open.
    core.beginShutdown()
    core.sessions.closeStreams()
    websocket?.stopAccepting()
    if (!(await core.drain(drainMs))) {
      log.warn({ inFlight: core.calls.size, drainMs }, 'calls still running after the drain period: aborting them')
      core.abortAll('the server is shutting down')
      await core.drain(ABORTED_ANSWER_MS)
    }
    // Answers written in this turn are on their way; the connections that carried them would
    // otherwise be kept alive (and the server open) until their keep-alive timeout.
    await new Promise((resolve) => setImmediate(resolve))
    closeIdleConnections()
    await websocket?.closeAll()
  }
}
