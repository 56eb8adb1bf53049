/**
 * An in-process MCP client over `app.inject()`: no port, no SDK, either era.
 * Modern (2026-07-28, the default) sends the `_meta` envelope and headers on
 * every request; legacy opens a session on first use (`initialize`, then
 * `notifications/initialized`) and sends `Mcp-Session-Id` after that.
 * `inject` returns whole answers, so a legacy call cannot answer a
 * server-to-client request (elicitation, sampling) mid-stream: use a real
 * client on `startTestServer` for those; modern MRTR works (retry with
 * `request('tools/call', { ..., inputResponses, requestState })`).
 */
import type { FastifyInstance } from 'fastify'
import { LEGACY_VERSION, META, modernEnvelope, modernHeaders, TEST_CLIENT_INFO } from './envelope.ts'
import { parseMessages, responseOf } from './sse.ts'

export interface InjectClientOptions {
  /** `'modern'` (default): stateless 2026-07-28 requests; `'legacy'`: a 2025-era session. */
  era?: 'modern' | 'legacy'
  /** The legacy revision to ask for in `initialize` (default: the newest legacy one). */
  protocolVersion?: string
  /** Client capabilities: in every request's `_meta` (modern) or in `initialize` (legacy). */
  capabilities?: Record<string, unknown>
  clientInfo?: { name: string, version: string }
  /** Extra headers on every request, e.g. `authorization`. */
  headers?: Record<string, string>
  /** The MCP endpoint (default `/mcp`). */
  path?: string
  /** The client's address as the server sees it (default 127.0.0.1): several addresses act as several clients (ctx.client). */
  remoteAddress?: string
}

/** A JSON-RPC error answer, thrown so a test can `t.rejects(..., { code, data })`. */
export class McpRequestError extends Error {
  readonly code: number
  readonly data: unknown
  /** The HTTP status the error came with (e.g. 400, 404; 200 inside a legacy session). */
  readonly statusCode: number

  constructor (code: number, message: string, data: unknown, statusCode: number) {
    super(message)
    this.name = 'McpRequestError'
    this.code = code
    this.data = data
    this.statusCode = statusCode
  }
}

export type InjectClient = ReturnType<typeof createInjectClient>

export function createInjectClient (app: FastifyInstance, options: InjectClientOptions = {}) {
  const era = options.era ?? 'modern'
  const path = options.path ?? '/mcp'
  const capabilities = options.capabilities ?? {}
  let nextId = 1
  let session: Promise<{ id: string, version: string }> | undefined

  async function post (body: unknown, headers: Record<string, string>) {
    const res = await app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers, ...options.headers },
      payload: JSON.stringify(body),
      ...(options.remoteAddress !== undefined ? { remoteAddress: options.remoteAddress } : {})
    })
    const message = responseOf(parseMessages(String(res.headers['content-type'] ?? ''), res.body))
    if (message === undefined) throw new Error(`no JSON-RPC response in the answer: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`)
    if (message.error !== undefined) {
      throw new McpRequestError(message.error.code, message.error.message, message.error.data, res.statusCode)
    }
    return { result: message.result, headers: res.headers }
  }

  async function openSession (): Promise<{ id: string, version: string }> {
    const { result, headers } = await post({
      jsonrpc: '2.0',
      id: nextId++,
      method: 'initialize',
      params: { protocolVersion: options.protocolVersion ?? LEGACY_VERSION, capabilities, clientInfo: options.clientInfo ?? TEST_CLIENT_INFO }
    }, {})
    const id = headers['mcp-session-id']
    if (typeof id !== 'string') throw new Error('initialize answered without an Mcp-Session-Id header')
    const version = String(result.protocolVersion)
    const initialized = await app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': version, ...options.headers },
      payload: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      ...(options.remoteAddress !== undefined ? { remoteAddress: options.remoteAddress } : {})
    })
    if (initialized.statusCode !== 202) throw new Error(`notifications/initialized got HTTP ${initialized.statusCode}: ${initialized.body}`)
    return { id, version }
  }

  /** Any request; resolves with its result, rejects with McpRequestError. `params._meta` adds to the envelope. */
  async function request<T = any> (method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (era === 'legacy') {
      session ??= openSession()
      const { id, version } = await session
      return (await post({ jsonrpc: '2.0', id: nextId++, method, params }, { 'mcp-session-id': id, 'mcp-protocol-version': version })).result as T
    }
    const envelope = modernEnvelope(capabilities, {
      ...(options.clientInfo !== undefined ? { [META.clientInfo]: options.clientInfo } : {}),
      ...(params._meta as Record<string, unknown> | undefined)
    })
    const body = { jsonrpc: '2.0', id: nextId++, method, params: { ...params, _meta: envelope } }
    return (await post(body, modernHeaders(method, params))).result as T
  }

  return {
    era,
    request,
    listTools: () => request('tools/list'),
    callTool: (name: string, args: Record<string, unknown> = {}) => request('tools/call', { name, arguments: args }),
    listResources: () => request('resources/list'),
    listResourceTemplates: () => request('resources/templates/list'),
    readResource: (uri: string) => request('resources/read', { uri }),
    listPrompts: () => request('prompts/list'),
    getPrompt: (name: string, args: Record<string, string> = {}) => request('prompts/get', { name, arguments: args }),
    complete: (ref: Record<string, unknown>, argument: { name: string, value: string }, context?: Record<string, unknown>) =>
      request('completion/complete', { ref, argument, ...(context !== undefined ? { context } : {}) })
  }
}
