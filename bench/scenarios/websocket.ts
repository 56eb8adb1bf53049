/** WebSocket, both eras, several calls in flight per connection, against a bare `ws` server. */
import { ANSWER, EXPRESSION } from '../servers/catalog.ts'
import { startServer } from '../lib/process.ts'
import type { Era } from '../lib/requests.ts'
import type { RotationOptions, Target } from '../lib/rotation.ts'
import { connect, runWs, type WsLoad } from '../lib/ws-load.ts'

export interface WsSettings { connections: number, inFlight: number }

export function wsTargets (settings: WsSettings): Array<Target<WsLoad>> {
  const target = (name: string, note: string, script: string, era: Era): Target<WsLoad> => ({
    name,
    note,
    start: async () => await startServer(`bench/servers/${script}`),
    prepare: async (server) => ({
      sockets: await connect(server.port, settings.connections, era),
      era,
      inFlight: settings.inFlight,
      expected: `"structuredContent":{"result":${ANSWER}}`
    })
  })
  return [
    target('bare ws server', 'parse, check the envelope, answer; no MCP work, no evaluator', 'bare-ws.ts', 'modern'),
    target('mcp-platform 2026-07-28', 'every message carries _meta', 'platform.ts', 'modern'),
    target('mcp-platform 2025-11-25', 'initialize once per connection', 'platform.ts', 'legacy')
  ]
}

// The sockets close with their server when the rotation stops it.
export const wsRun: RotationOptions<WsLoad>['run'] = async (load, _server, seconds) =>
  await runWs(load, 'calculate', { expression: EXPRESSION }, seconds)
