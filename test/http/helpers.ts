/**
 * Shared by the client, HTTP and protocol tests: a server on a real port
 * (closed when the test ends), and raw Streamable HTTP requests of either era
 * with their answer parsed (JSON body or SSE events).
 */
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppConfig } from '@mcp-platform/server'

export const MODERN = '2026-07-28'
export const LEGACY = '2025-11-25'

import { META } from '../../apps/server/src/protocol/versions.ts'

export { META }

interface Teardown { teardown (fn: () => unknown): void }

export interface RunningServer {
  app: FastifyInstance
  /** The MCP endpoint, e.g. http://127.0.0.1:PORT/mcp */
  url: URL
  /** Drops every client connection (fetch keeps idle ones open for seconds, which would hold up app.close()). */
  dropConnections (): void
}

/** `buildApp` on 127.0.0.1 and a free port; closed at the end of the test. */
export async function startServer (t: Teardown, config: AppConfig = {}): Promise<RunningServer> {
  const app = await buildApp({ logLevel: 'silent', stateSecret: 'test-state-secret', ...config })
  const sockets = new Set<Socket>()
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const dropConnections = () => { for (const socket of sockets) socket.destroy() }
  t.teardown(async () => {
    const closing = app.close()
    setImmediate(dropConnections)
    await closing
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { app, url: new URL(`http://127.0.0.1:${address.port}/mcp`), dropConnections }
}

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

/** Splits an SSE body into its JSON `data` payloads (comments and priming events are skipped). */
export function parseSse (text: string): any[] {
  const out: any[] = []
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, '')).join('\n')
    if (data.trim() === '') continue
    out.push(JSON.parse(data))
  }
  return out
}

export async function readAnswer (res: Response): Promise<RawAnswer> {
  const text = await res.text()
  const contentType = res.headers.get('content-type') ?? ''
  let messages: any[] = []
  if (contentType.startsWith('text/event-stream')) messages = parseSse(text)
  else if (text !== '') {
    try { messages = [JSON.parse(text)] } catch { messages = [] }
  }
  const response = messages.find((m) => m !== null && typeof m === 'object' && ('result' in m || 'error' in m))
  return { status: res.status, headers: res.headers, contentType, messages, response, text }
}

export function modernMeta (capabilities: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    [META.protocolVersion]: MODERN,
    [META.clientInfo]: { name: 'raw-test-client', version: '0.0.0' },
    [META.clientCapabilities]: capabilities,
    ...extra
  }
}

/** The headers a modern request needs: version, method and (for named methods) name. */
export function modernHeaders (method: string, params: Record<string, unknown> = {}): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': method
  }
  const name = method === 'resources/read' ? params.uri : (method === 'tools/call' || method === 'prompts/get') ? params.name : undefined
  if (typeof name === 'string') {
    headers['mcp-name'] = /^[\x20-\x7e]*$/.test(name) ? name : `=?base64?${Buffer.from(name).toString('base64')}?=`
  }
  return headers
}

let nextId = 1

export interface ModernOptions {
  capabilities?: Record<string, unknown>
  /** Extra `_meta` fields (e.g. a progressToken). */
  meta?: Record<string, unknown>
  /** Header overrides; a value of `null` removes the header. */
  headers?: Record<string, string | null>
  id?: string | number
  signal?: AbortSignal
}

/** A well-formed modern (2026-07-28) request by fetch, unless `options.headers` spoils it. */
export async function modernRequest (url: URL, method: string, params: Record<string, unknown> = {}, options: ModernOptions = {}): Promise<RawAnswer> {
  const body = {
    jsonrpc: '2.0',
    id: options.id ?? nextId++,
    method,
    params: { ...params, _meta: modernMeta(options.capabilities, options.meta) }
  }
  return await readAnswer(await fetch(url, {
    method: 'POST',
    headers: mergeHeaders(modernHeaders(method, params), options.headers),
    body: JSON.stringify(body),
    signal: options.signal
  }))
}

export function mergeHeaders (base: Record<string, string>, overrides: Record<string, string | null> = {}): Record<string, string> {
  const out = { ...base }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete out[key.toLowerCase()]
    else out[key.toLowerCase()] = value
  }
  return out
}

/** POSTs any body (string: sent as is) with the given headers. */
export async function rawPost (url: URL, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return await readAnswer(await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  }))
}

/** Opens a legacy session by raw HTTP; returns its id. */
export async function legacyInitialize (url: URL, capabilities: Record<string, unknown> = {}, version = LEGACY): Promise<string> {
  const answer = await rawPost(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: version, capabilities, clientInfo: { name: 'raw-legacy', version: '0.0.0' } }
  })
  const id = answer.headers.get('mcp-session-id')
  if (answer.status !== 200 || id === null) throw new Error(`initialize failed: ${answer.status} ${answer.text}`)
  await rawPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': id, 'mcp-protocol-version': version })
  return id
}

/** A request in a legacy session by raw HTTP. */
export async function legacyRequest (url: URL, sessionId: string, method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return await rawPost(url, { jsonrpc: '2.0', id: nextId++, method, params }, {
    'mcp-session-id': sessionId,
    'mcp-protocol-version': LEGACY,
    ...headers
  })
}

/** Resolves when `check()` is true, polling; rejects after `ms` (a safety net, not an assertion on time). */
export async function until (check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A promise with its resolve function, for events observed server-side. */
export function deferred<T = void> (): { promise: Promise<T>, resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => { resolve = r })
  return { promise, resolve }
}

/** Rejects if `promise` does not settle within `ms` (so a missing event fails the test rather than hanging it). */
export async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms) })
    ])
  } finally {
    clearTimeout(timer)
  }
}
