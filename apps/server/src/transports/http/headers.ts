/**
 * Streamable HTTP request headers that mirror the body (2026-07-28): the
 * server must check they agree, so that a proxy routing on a header and the
 * server acting on the body cannot be told different stories.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { Registry } from '../../registry/registry.ts'
import type { Inbound } from '../../protocol/inbound.ts'
import { headerMismatch, type ProtocolError } from '../../protocol/errors.ts'
import { MODERN_VERSIONS } from '../../protocol/versions.ts'

const NAMED_METHODS: Record<string, 'name' | 'uri' | 'taskId'> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  // The tasks extension routes task requests by their task id.
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId'
}

function header (headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : value?.trim()
}

/** Decodes the `=?base64?...?=` sentinel form; undefined when it is malformed. */
export function decodeHeaderValue (value: string): string | undefined {
  if (!value.startsWith('=?base64?') || !value.endsWith('?=')) return value
  const encoded = value.slice(9, -2)
  // Standard Base64 with its padding: "SGVsbG8" (unpadded) is as malformed as "SGVs!!!bG8=".
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined
  return Buffer.from(encoded, 'base64').toString('utf8')
}

/** Checks a modern request's headers against its body; returns the error to answer with, if any. */
export function checkModernHeaders (headers: IncomingHttpHeaders, inbound: Inbound, registry: Registry): ProtocolError | undefined {
  // A claim that is not a string cannot be compared to a header; the core refuses it (-32602, 400) with a clearer message.
  if (typeof inbound.claimedVersion !== 'string') return undefined
  const version = header(headers, 'mcp-protocol-version')
  if (version === undefined) {
    return headerMismatch(`the MCP-Protocol-Version header is required and must equal _meta "io.modelcontextprotocol/protocolVersion" (${JSON.stringify(inbound.claimedVersion)})`)
  }
  if (version !== inbound.claimedVersion) {
    return headerMismatch(`MCP-Protocol-Version header value '${version}' does not match body value '${String(inbound.claimedVersion)}'`)
  }
  // Header and body agree on a version this server does not speak: the core answers UnsupportedProtocolVersion.
  if (!MODERN_VERSIONS.includes(version)) return undefined
  if (inbound.kind !== 'request') return undefined

  const method = header(headers, 'mcp-method')
  if (method === undefined) return headerMismatch(`the Mcp-Method header is required (expected '${inbound.method}')`)
  if (method !== inbound.method) return headerMismatch(`Mcp-Method header value '${method}' does not match body value '${inbound.method}'`)

  const field = NAMED_METHODS[inbound.method as string]
  if (field === undefined) return undefined
  const bodyValue = inbound.params[field]
  if (typeof bodyValue !== 'string') return undefined
  const rawName = header(headers, 'mcp-name')
  if (rawName === undefined) return headerMismatch(`the Mcp-Name header is required for ${inbound.method} (expected '${bodyValue}')`)
  const name = decodeHeaderValue(rawName)
  if (name === undefined) return headerMismatch('the Mcp-Name header has an invalid =?base64?...?= value')
  if (name !== bodyValue) return headerMismatch(`Mcp-Name header value '${rawName}' does not match body value '${bodyValue}'`)

  if (inbound.method === 'tools/call') return checkParamHeaders(headers, inbound, registry, bodyValue)
  return undefined
}

/** Tool arguments marked `x-mcp-header` must be mirrored in `Mcp-Param-{Name}` headers. */
function checkParamHeaders (headers: IncomingHttpHeaders, inbound: Inbound, registry: Registry, toolName: string): ProtocolError | undefined {
  const tool = registry.tools.get(toolName)
  if (tool === undefined || tool.headerParams.length === 0) return undefined
  const args = inbound.params.arguments as Record<string, unknown> | undefined
  for (const { path, header: name } of tool.headerParams) {
    let value: unknown = args
    for (const key of path) value = (value !== null && typeof value === 'object') ? (value as Record<string, unknown>)[key] : undefined
    if (value === undefined || value === null) continue
    const raw = header(headers, `mcp-param-${name.toLowerCase()}`)
    if (raw === undefined) return headerMismatch(`the Mcp-Param-${name} header is required when "${path.join('.')}" is given`)
    const decoded = decodeHeaderValue(raw)
    if (decoded === undefined) return headerMismatch(`the Mcp-Param-${name} header has an invalid =?base64?...?= value`)
    const equal = typeof value === 'number'
      ? decoded.trim() !== '' && Number(decoded) === value
      : typeof value === 'boolean' ? decoded === String(value) : decoded === value
    if (!equal) return headerMismatch(`Mcp-Param-${name} header value '${raw}' does not match body value '${String(value)}'`)
  }
  return undefined
}
