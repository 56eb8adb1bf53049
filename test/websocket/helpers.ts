/**
 * Helpers for the WebSocket transport tests (the server, `_meta` and waiting
 * come from `@mcp-platform/server/testing`): a raw `ws` client that matches
 * answers to requests by id, and a small test plugin with a tool that waits
 * (for in-flight, cancellation and shutdown tests).
 */
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import WebSocket, { type ClientOptions } from 'ws'
import type { McpRegistry } from '@mcp-platform/server'
import { LEGACY_VERSION, type Teardown } from '@mcp-platform/server/testing'

/** The params of a legacy `initialize` on a socket. */
export const INITIALIZE = {
  protocolVersion: LEGACY_VERSION,
  capabilities: {},
  clientInfo: { name: 'raw-ws-test', version: '0.0.0' }
}

export interface Message {
  jsonrpc: '2.0'
  id?: string | number | null
  method?: string
  params?: any
  result?: any
  error?: { code: number, message: string, data?: unknown }
}

/** A raw `ws` client: sends frames as given, matches responses by id, records everything else. */
export class RawClient {
  readonly messages: Message[] = []
  readonly closed: Promise<{ code: number, reason: string }>
  #waiting = new Map<string | number, (message: Message) => void>()
  #watchers = new Set<{ test: (m: Message) => boolean, resolve: (m: Message) => void }>()
  #nextId = 1

  readonly ws: WebSocket

  private constructor (ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data, isBinary) => {
      const message = JSON.parse(isBinary ? '"binary"' : data.toString()) as Message
      this.messages.push(message)
      if (message.id !== undefined && message.id !== null && message.method === undefined) {
        const waiter = this.#waiting.get(message.id)
        if (waiter !== undefined) {
          this.#waiting.delete(message.id)
          waiter(message)
        }
      }
      for (const watcher of this.#watchers) {
        if (watcher.test(message)) {
          this.#watchers.delete(watcher)
          watcher.resolve(message)
        }
      }
    })
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
    })
  }

  static async connect (t: Teardown, url: string, options: ClientOptions & { protocols?: string | string[] } = {}): Promise<RawClient> {
    const { protocols = 'mcp', ...rest } = options
    const ws = new WebSocket(url, protocols, rest)
    ws.on('error', () => {})
    const client = new RawClient(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })))
      ws.once('error', reject)
    })
    t.teardown(() => { ws.terminate() })
    return client
  }

  /** Sends a request and resolves with its response (result or error). */
  async request (method: string, params: Record<string, unknown> = {}, id: string | number = this.#nextId++): Promise<Message> {
    const answer = this.response(id)
    this.sendJson({ jsonrpc: '2.0', id, method, params })
    return await answer
  }

  /** Resolves with the response to request `id` when it arrives. */
  async response (id: string | number): Promise<Message> {
    return await new Promise((resolve) => this.#waiting.set(id, resolve))
  }

  /** Resolves with the next message (already received ones included) that passes `test`. */
  async next (test: (m: Message) => boolean): Promise<Message> {
    const seen = this.messages.find(test)
    if (seen !== undefined) return seen
    return await new Promise((resolve) => this.#watchers.add({ test, resolve }))
  }

  notify (method: string, params: Record<string, unknown> = {}): void {
    this.sendJson({ jsonrpc: '2.0', method, params })
  }

  sendJson (message: unknown): void {
    this.ws.send(JSON.stringify(message))
  }

  /** A legacy session on this connection. */
  async initialize (): Promise<Message> {
    const response = await this.request('initialize', INITIALIZE)
    this.notify('notifications/initialized')
    return response
  }

  close (): void {
    this.ws.close()
  }
}

/** What the `wait` tool saw: calls started, and the abort reasons of those whose signal fired. */
export interface Probe {
  started: number
  finished: number
  aborted: string[]
  /** The test plugin's registry, to add or remove tools after start. */
  mcp?: McpRegistry
}

/**
 * A plugin with `wait` ({ ms, value? }): resolves after `ms` with `value`
 * (or "waited <ms>"), and records in `probe` when its signal aborts.
 */
export function waitPlugin (probe: Probe) {
  return {
    name: 'wait-plugin',
    plugin: async (app: FastifyInstance) => {
      probe.mcp = app.mcp
      app.mcp.tool({
        name: 'wait',
        description: 'Waits, then answers; records cancellation',
        input: Type.Object({ ms: Type.Integer({ minimum: 0 }), value: Type.Optional(Type.String()) }),
        async handler ({ ms, value }, ctx) {
          probe.started++
          try {
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(resolve, ms)
              ctx.signal.addEventListener('abort', () => {
                clearTimeout(timer)
                probe.aborted.push(String((ctx.signal.reason as Error)?.message ?? ctx.signal.reason))
                reject(ctx.signal.reason)
              }, { once: true })
            })
          } finally {
            probe.finished++
          }
          return value ?? `waited ${ms}`
        }
      })
    }
  }
}

export function newProbe (): Probe {
  return { started: 0, finished: 0, aborted: [] }
}
