/**
 * Raw Streamable HTTP by `fetch`, for tests against a real port: requests of
 * either era (or any body at all), with the whole answer kept (status,
 * headers, every message) so tests can assert on what went over the wire.
 */
import { LEGACY_VERSION, modernEnvelope, modernHeaders, TEST_CLIENT_INFO } from './envelope.ts'
import { parseMessages, responseOf } from './sse.ts'

export interface RawAnswer {
  status: number
  headers: Headers
  contentType: string
  /** Every JSON-RPC message of the answer: one for a JSON body, each event of an SSE stream. */
  messages: any[]
  /** The JSON-RPC response (the message with result or error), if any. */
  response: any
  text: string
}

/** Reads a fetch `Response` to its end and parses it (JSON or SSE). */
export async function readAnswer (res: Response): Promise<RawAnswer> {
  const text = await res.text()
  const contentType = res.headers.get('content-type') ?? ''
  const messages = parseMessages(contentType, text)
  return { status: res.status, headers: res.headers, contentType, messages, response: responseOf(messages), text }
}

let nextId = 1

export interface ModernRequestOptions {
  capabilities?: Record<string, unknown>
  /** Extra `_meta` fields (e.g. a progressToken). */
  meta?: Record<string, unknown>
  /** Header overrides, to spoil a request on purpose; `null` removes a header. */
  headers?: Record<string, string | null>
  id?: string | number
  signal?: AbortSignal
}

/** A well-formed modern (2026-07-28) request: the `_meta` envelope and its headers. */
export async function modernRequest (url: string | URL, method: string, params: Record<string, unknown> = {}, options: ModernRequestOptions = {}): Promise<RawAnswer> {
  const body = {
    jsonrpc: '2.0',
    id: options.id ?? nextId++,
    method,
    params: { ...params, _meta: modernEnvelope(options.capabilities, options.meta) }
  }
  const headers = modernHeaders(method, params)
  for (const [key, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[key.toLowerCase()]
    else headers[key.toLowerCase()] = value
  }
  return await readAnswer(await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: options.signal }))
}

/** POSTs any body (a string is sent as is, anything else as JSON) with JSON content negotiation plus `headers`. */
export async function rawPost (url: string | URL, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return await readAnswer(await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  }))
}

/** Opens a legacy session (`initialize`, then `notifications/initialized`); resolves with its `Mcp-Session-Id`. */
export async function legacyInitialize (url: string | URL, capabilities: Record<string, unknown> = {}, version = LEGACY_VERSION): Promise<string> {
  const answer = await rawPost(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: version, capabilities, clientInfo: TEST_CLIENT_INFO }
  })
  const id = answer.headers.get('mcp-session-id')
  if (answer.status !== 200 || id === null) throw new Error(`initialize failed: ${answer.status} ${answer.text}`)
  await rawPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': id, 'mcp-protocol-version': version })
  return id
}

/** A request in a legacy session (`Mcp-Session-Id` and `MCP-Protocol-Version`; `headers` override them). */
export async function legacyRequest (url: string | URL, sessionId: string, method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return await rawPost(url, { jsonrpc: '2.0', id: nextId++, method, params }, {
    'mcp-session-id': sessionId,
    'mcp-protocol-version': LEGACY_VERSION,
    ...headers
  })
}
