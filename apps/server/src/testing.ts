/**
 * A tiny in-process MCP client for tests: it speaks the modern (2026-07-28)
 * era through `app.inject()`, so plugin tests need no port and no SDK.
 */
import type { FastifyInstance } from 'fastify'
import { LATEST_PROTOCOL_VERSION } from './protocol/versions.ts'

export interface InjectClientOptions {
  /** Client capabilities sent in every request's `_meta`. */
  capabilities?: Record<string, unknown>
  /** Extra headers, e.g. `authorization`. */
  headers?: Record<string, string>
  path?: string
}

export class McpRequestError extends Error {
  readonly code: number
  readonly data: unknown
  readonly statusCode: number

  constructor (code: number, message: string, data: unknown, statusCode: number) {
    super(message)
    this.code = code
    this.data = data
    this.statusCode = statusCode
  }
}

export function createInjectClient (app: FastifyInstance, options: InjectClientOptions = {}) {
  let nextId = 1
  const path = options.path ?? '/mcp'

  async function request<T = any> (method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = nextId++
    const body = {
      jsonrpc: '2.0',
      id,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': LATEST_PROTOCOL_VERSION,
          'io.modelcontextprotocol/clientInfo': { name: 'inject-client', version: '0.0.0' },
          'io.modelcontextprotocol/clientCapabilities': options.capabilities ?? {},
          ...(params._meta as Record<string, unknown> | undefined)
        }
      }
    }
    const name = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined
    const res = await app.inject({
      method: 'POST',
      url: path,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
        'mcp-method': method,
        ...(name !== undefined && /^[\x20-\x7e]*$/.test(name) ? { 'mcp-name': name } : {}),
        ...(name !== undefined && !/^[\x20-\x7e]*$/.test(name) ? { 'mcp-name': `=?base64?${Buffer.from(name).toString('base64')}?=` } : {}),
        ...options.headers
      },
      payload: JSON.stringify(body)
    })
    const message = parseResponse(res.headers['content-type'], res.body)
    if (message.error !== undefined) {
      throw new McpRequestError(message.error.code, message.error.message, message.error.data, res.statusCode)
    }
    return message.result as T
  }

  return {
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

/** The final JSON-RPC response of a JSON body or of an SSE stream. */
function parseResponse (contentType: string | string[] | number | undefined, body: string): any {
  if (String(contentType).startsWith('text/event-stream')) {
    let last: any
    for (const event of body.split(/\r?\n\r?\n/)) {
      const data = event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n')
      if (data === '') continue
      const message = JSON.parse(data)
      if ('result' in message || 'error' in message) last = message
    }
    if (last === undefined) throw new Error('SSE stream ended without a response')
    return last
  }
  return JSON.parse(body)
}
