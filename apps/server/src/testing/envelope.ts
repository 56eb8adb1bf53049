/**
 * What a well-formed 2026-07-28 request carries besides its params: the
 * `_meta` envelope and the HTTP headers that mirror it. Built from the
 * server's own constants, so tests follow the server when they change.
 */
import { LATEST_PROTOCOL_VERSION, LEGACY_VERSIONS, META } from '../protocol/versions.ts'

export { META }

/** The modern revision the kit speaks (the server's newest). */
export const MODERN_VERSION: string = LATEST_PROTOCOL_VERSION

/** The legacy revision the kit speaks by default (the newest session-based one). */
export const LEGACY_VERSION: string = LEGACY_VERSIONS[0]

/** The clientInfo the kit sends unless told otherwise. */
export const TEST_CLIENT_INFO = { name: 'mcp-platform-testing', version: '0.0.0' } as const

/**
 * The `_meta` of a 2026-07-28 request: version, clientInfo and capabilities
 * (required on every request), plus `extra` fields such as a progressToken
 * or a log level (`{ [META.logLevel]: 'debug' }`).
 */
export function modernEnvelope (capabilities: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    [META.protocolVersion]: MODERN_VERSION,
    // A copy: a test that edits the envelope it got must not change the next one's.
    [META.clientInfo]: { ...TEST_CLIENT_INFO },
    [META.clientCapabilities]: capabilities,
    ...extra
  }
}

/**
 * A header value as the Streamable HTTP binding sends it: printable ASCII as
 * is, anything else as `=?base64?<UTF-8 in base64>?=` (`always`: encoded even
 * when ASCII, to test that the server decodes before comparing).
 */
export function encodeHeaderValue (value: string, options: { always?: boolean } = {}): string {
  if (options.always !== true && /^[\x20-\x7e]*$/.test(value)) return value
  return `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`
}

/** The target a method names in `Mcp-Name` (tool, prompt or resource URI), if any. */
function nameOf (method: string, params: Record<string, unknown>): unknown {
  if (method === 'resources/read') return params.uri
  if (method === 'tools/call' || method === 'prompts/get') return params.name
  if (method.startsWith('tasks/')) return params.taskId
  return undefined
}

/**
 * The headers a modern POST needs: content negotiation, `MCP-Protocol-Version`,
 * `Mcp-Method` and, for named methods, `Mcp-Name` (encoded when not ASCII).
 */
export function modernHeaders (method: string, params: Record<string, unknown> = {}): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN_VERSION,
    'mcp-method': method
  }
  const name = nameOf(method, params)
  if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name)
  return headers
}
