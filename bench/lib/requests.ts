/**
 * The requests of the benchmarks, by era: a 2026-07-28 request carries its
 * protocol version, capabilities and client info in `_meta` (and the
 * MCP-Method / MCP-Name headers); a 2025-era request runs in a session opened
 * with `initialize` (or, on a stateless legacy server, without one).
 */
import type { HttpCase } from './http-load.ts'

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' }
}
const ACCEPT = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }

export type Era = 'modern' | 'legacy'

/** The body of one request, prebuilt but for its id (the generator spends little per request). */
function bodyOf (method: string, params: Record<string, unknown>, era: Era): (id: number) => string {
  const rest = JSON.stringify({ method, params: era === 'modern' ? { ...params, _meta: { ...MODERN_META, ...(params._meta as object | undefined) } } : params }).slice(1)
  return (id) => `{"jsonrpc":"2.0","id":${id},${rest}`
}

export function modernHeaders (method: string, name?: string): Record<string, string> {
  return { ...ACCEPT, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name !== undefined ? { 'mcp-name': name } : {}) }
}

/** Opens a 2025-11-25 session (initialize, then notifications/initialized); its headers for later requests. */
export async function openSession (port: number): Promise<Record<string, string>> {
  const url = `http://127.0.0.1:${port}/mcp`
  const init = await fetch(url, {
    method: 'POST',
    headers: ACCEPT,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } } })
  })
  const text = await init.text()
  const session = init.headers.get('mcp-session-id')
  if (!init.ok || session === null) throw new Error(`initialize answered ${init.status} without a session: ${text.slice(0, 300)}`)
  const headers = { ...ACCEPT, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }
  const initialized = await fetch(url, { method: 'POST', headers, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' })
  await initialized.text()
  if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}`)
  return headers
}

/** Headers of a 2025-era request on a stateless server: no session. */
export const STATELESS_LEGACY_HEADERS = { ...ACCEPT, 'mcp-protocol-version': '2025-11-25' }

/** Whether a JSON-RPC answer (or an SSE stream holding it) is the one to request `id`. */
export function hasId (body: string, id: number): boolean {
  return body.includes(`"id":${id},`) || body.includes(`"id":${id}}`)
}

/** The answer to request `id` holds this result: `"id":<id>` and the expected text, and is no tool error. */
export function answers (expected: string): (body: string, id: number) => boolean {
  return (body, id) => hasId(body, id) && body.includes(expected) && !body.includes('"isError":true')
}

export function callCase (era: Era, headers: Record<string, string>, tool: string, args: Record<string, unknown>, expected: string, meta?: Record<string, unknown>): HttpCase {
  return { headers, body: bodyOf('tools/call', { name: tool, arguments: args, ...(meta !== undefined ? { _meta: meta } : {}) }, era), check: answers(expected) }
}

export function listCase (era: Era, headers: Record<string, string>, expected: string): HttpCase {
  return { headers, body: bodyOf('tools/list', {}, era), check: answers(expected) }
}
