/** Legacy-era lifecycle: `initialize`, `ping`, `logging/setLevel`; and the modern `server/discover`. */
import type { LoggingLevel } from '../../registry/types.ts'
import { LOG_LEVELS, type Call } from '../call.ts'
import type { ProtocolCore } from '../dispatcher.ts'
import { ErrorCode, ProtocolError } from '../jsonrpc.ts'
import { LEGACY_VERSIONS, MODERN_VERSIONS } from '../versions.ts'

export async function initialize (core: ProtocolCore, call: Call): Promise<Record<string, unknown>> {
  const { protocolVersion, capabilities, clientInfo } = call.params
  if (typeof protocolVersion !== 'string') {
    throw new ProtocolError(ErrorCode.InvalidParams, 'Invalid params: initialize needs "protocolVersion" (e.g. "2025-11-25")')
  }
  if (call.tc.session !== undefined && call.tc.transport === 'websocket') {
    throw new ProtocolError(ErrorCode.InvalidRequest, 'This connection is already initialized; open a new connection for a new session')
  }
  // Answer with the client's version when we speak it, else our newest legacy one (the client decides whether to go on).
  const negotiated = LEGACY_VERSIONS.includes(protocolVersion) ? protocolVersion : LEGACY_VERSIONS[0]
  const data = {
    protocolVersion: negotiated,
    clientInfo: (clientInfo ?? undefined) as { name?: string, version?: string } | undefined,
    clientCapabilities: (capabilities !== null && typeof capabilities === 'object' ? capabilities : {}) as Record<string, unknown>,
    logLevel: undefined,
    subscriptions: [],
    principalId: call.tc.principal?.id
  }
  const session = call.tc.transport === 'websocket'
    ? core.sessions.createLocal(data)
    : await core.sessions.create(data)
  if (session === undefined) {
    const error = new ProtocolError(ErrorCode.InternalError, 'The server has reached its session limit; retry later or close unused sessions')
    Object.assign(error, { status: 503 })
    throw error
  }
  call.tc.session = session
  call.logger.info({ sessionId: session.id, protocolVersion: negotiated, client: data.clientInfo }, 'session initialized')
  const result: Record<string, unknown> = {
    protocolVersion: negotiated,
    capabilities: core.capabilities(),
    serverInfo: core.options.serverInfo
  }
  if (core.options.instructions !== undefined) result.instructions = core.options.instructions
  return result
}

export function ping (): Record<string, unknown> {
  return {}
}

export async function setLevel (core: ProtocolCore, call: Call): Promise<Record<string, unknown>> {
  const { level } = call.params
  if (!LOG_LEVELS.includes(level as LoggingLevel)) {
    throw new ProtocolError(ErrorCode.InvalidParams, `Invalid params: "level" must be one of ${LOG_LEVELS.join(', ')}`)
  }
  await core.sessions.update(call.tc.session!, { logLevel: level as LoggingLevel })
  return {}
}

export function discover (core: ProtocolCore): Record<string, unknown> {
  const result: Record<string, unknown> = {
    supportedVersions: [...MODERN_VERSIONS],
    capabilities: core.capabilities(),
    ttlMs: core.options.listTtlMs,
    cacheScope: 'public'
  }
  if (core.options.instructions !== undefined) result.instructions = core.options.instructions
  return result
}
