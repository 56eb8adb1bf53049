/** Legacy-era lifecycle: `initialize`, `ping`, `logging/setLevel`; and the modern `server/discover`. */
import { TASKS_EXTENSION } from '../tasks/manager.ts'
import type { LoggingLevel } from '../../registry/types.ts'
import { LOG_LEVELS, type Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { alreadyInitialized, clientSessionLimit, invalidParams, sessionLimit, valueTooLarge } from '../errors.ts'
import { clip, RateLimitedWarning, sessionRef } from '../log-values.ts'
import type { Session } from '../sessions.ts'
import type { SessionRefusal } from '../../state/session-store.ts'

const refusals = new RateLimitedWarning()

/** The JSON size of a client-supplied value, in bytes. */
function jsonBytes (value: unknown): number {
  if (value === undefined) return 0
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '')
  } catch {
    // Nested too deep to serialize (JSON.parse does not recurse, JSON.stringify does): too large to keep, whatever its length.
    return Infinity
  }
}
import { LEGACY_VERSIONS, MODERN_VERSIONS } from '../versions.ts'

export async function initialize (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  const { protocolVersion, capabilities, clientInfo } = call.params
  if (typeof protocolVersion !== 'string') {
    throw invalidParams('initialize needs "protocolVersion" (e.g. "2025-11-25")')
  }
  // A connection (WebSocket, stdio) carries one session: a second initialize on it is an error.
  if (call.tc.session !== undefined && call.tc.transport !== 'http') {
    throw alreadyInitialized()
  }
  // Answer with the client's version when we speak it, else our newest legacy one (the client decides whether to go on).
  // The list's own string, not the client's copy: every session shares it.
  const negotiated = LEGACY_VERSIONS.find((version) => version === protocolVersion) ?? LEGACY_VERSIONS[0]
  // What a session keeps must stay small, whatever the body limit lets through.
  const { budgets } = core.options
  const infoBytes = jsonBytes(clientInfo)
  if (infoBytes > budgets.clientInfoMaxBytes) throw valueTooLarge('"clientInfo"', infoBytes, budgets.clientInfoMaxBytes)
  const capabilityBytes = jsonBytes(capabilities)
  if (capabilityBytes > budgets.capabilitiesMaxBytes) throw valueTooLarge('"capabilities"', capabilityBytes, budgets.capabilitiesMaxBytes)
  const data = {
    protocolVersion: negotiated,
    clientInfo: (clientInfo ?? undefined) as { name?: string, version?: string } | undefined,
    clientCapabilities: (capabilities !== null && typeof capabilities === 'object' ? capabilities : {}) as Record<string, unknown>,
    logLevel: undefined,
    subscriptions: NO_SUBSCRIPTIONS,
    principalId: call.tc.principal?.id,
    clientKey: call.tc.clientKey
  }
  let session: Session | SessionRefusal
  if (call.tc.transport !== 'http') {
    // Bound to the connection at once (requests pipelined behind initialize belong to it), then counted.
    session = call.tc.session = core.sessions.createBound(data)
    const admitted = await core.sessions.admit(session)
    if (admitted !== true) {
      call.tc.session = undefined
      session = admitted
    }
  } else {
    session = await core.sessions.create(data)
  }
  if (!('id' in session)) {
    refusals.warn(call.logger, { client: clip(call.tc.clientKey, 60), retryAfterMs: session.retryAfterMs }, 'initialize refused: session limit reached')
    throw session.perClient === true
      ? clientSessionLimit(core.options.budgets.maxSessionsPerClient, session.retryAfterMs)
      : sessionLimit(session.retryAfterMs)
  }
  call.tc.session = session
  call.logger.info({ session: sessionRef(session.id), protocolVersion: negotiated, client: clip(data.clientInfo) }, 'session initialized')
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

export async function setLevel (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  const { level } = call.params
  if (!LOG_LEVELS.includes(level as LoggingLevel)) {
    throw invalidParams(`"level" must be one of ${LOG_LEVELS.join(', ')}`)
  }
  await core.sessions.update(call.tc.session!, { logLevel: level as LoggingLevel })
  return {}
}

export function discover (core: CoreContext): Record<string, unknown> {
  const result: Record<string, unknown> = {
    supportedVersions: [...MODERN_VERSIONS],
    // Extensions are a 2026-07-28 notion: only discover lists them.
    capabilities: { ...core.capabilities(), extensions: { [TASKS_EXTENSION]: {} } },
    ttlMs: core.options.listTtlMs,
    cacheScope: 'public'
  }
  if (core.options.instructions !== undefined) result.instructions = core.options.instructions
  return result
}

/** Shared by every new session (subscribing replaces the array, never changes it in place). */
const NO_SUBSCRIPTIONS: string[] = Object.freeze([]) as unknown as string[]
