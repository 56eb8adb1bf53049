/**
 * A Server-Sent Events response stream. Resumable streams (legacy era) give
 * every event an id kept in the EventStore, so a client that lost the
 * connection can resume it with `Last-Event-ID` on a new GET; the stream then
 * continues on that connection.
 */
import type { ServerResponse } from 'node:http'
import type { EventStore } from '../../state/event-store.ts'
import { SECURITY_HEADERS } from './security-headers.ts'

/** What a client that does not read may cost: unsent bytes, and how long writes may stall. */
export interface FlowLimits {
  maxUnsentBytes: number
  writeTimeoutMs: number
  /** Told when a connection is cut off (for a log line). */
  onCutOff (reason: string): void
}

export interface SseOptions {
  /** Headers sent with the stream (e.g. Mcp-Session-Id). */
  headers: Record<string, string>
  keepAliveMs: number
  flow: FlowLimits
  /** Set for resumable streams. */
  resumable?: { store: EventStore, streamId: string, primeWithRetryMs: number | undefined }
}

// Written with raw.writeHead, past Fastify's reply: the endpoint's security headers are added here.
export const SSE_HEADERS = {
  ...SECURITY_HEADERS,
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Tells nginx and similar proxies not to buffer the stream.
  'x-accel-buffering': 'no'
} as const

export class SseStream {
  #raw: ServerResponse | undefined
  #keepAlive: NodeJS.Timeout | undefined
  #tail: Promise<unknown> = Promise.resolve()
  /** Something was chained on #tail (resumable writes, detach, attach): the end must wait its turn. */
  #chained = false
  #corked = false
  #ended = false
  /** When the socket's send buffer was first seen not empty by a keep-alive tick (write timeout). */
  #stalledSince: number | undefined
  readonly #options: SseOptions

  constructor (raw: ServerResponse, options: SseOptions) {
    this.#options = options
    this.#raw = raw
    raw.writeHead(200, { ...SSE_HEADERS, ...options.headers })
    // Corked: the headers leave with whatever this tick writes (the first progress message, say) in one write.
    this.#corkForTick(raw)
    raw.flushHeaders()
    const resumable = options.resumable
    if (resumable?.primeWithRetryMs !== undefined) {
      // The priming event gives the client an id to resume from before anything else is sent.
      this.#enqueue('', resumable.primeWithRetryMs)
    }
    this.#startKeepAlive()
  }

  get ended (): boolean {
    return this.#ended
  }

  get connected (): boolean {
    return this.#raw !== undefined && !this.#raw.destroyed
  }

  write (message: unknown): void {
    if (this.#ended) return
    this.#enqueue(JSON.stringify(message), undefined)
  }

  /** The final message: written, then the response ends. */
  finish (message: unknown): void {
    this.write(message)
    this.end()
  }

  end (): void {
    if (this.#ended) return
    this.#ended = true
    const close = (): void => {
      this.#stopKeepAlive()
      // Stored events stay until the store expires them, for a client that reconnects late.
      this.#raw?.end()
      this.#raw = undefined
    }
    // At once when nothing waits: the last event and the end of the response leave in one write.
    if (this.#chained) this.#tail = this.#tail.then(close)
    else close()
  }

  /**
   * Ends the connection but not the stream: events keep being stored for a resume (SSE polling).
   * With `connection`, only if the stream is still on it (not on a connection that resumed it since).
   */
  detach (retryMs?: number, connection?: ServerResponse): void {
    // Chained after pending writes, so the client has every event id before the connection ends.
    this.#chained = true
    this.#tail = this.#tail.then(() => {
      const raw = this.#raw
      if (raw === undefined || (connection !== undefined && raw !== connection)) return
      this.#raw = undefined
      this.#stopKeepAlive()
      if (retryMs !== undefined && !raw.destroyed) raw.write(`retry: ${retryMs}\n\n`)
      raw.end()
    })
  }

  /** A resuming client's connection: replayed events first, then live ones. */
  attach (raw: ServerResponse, replay: Array<{ id: string, message: unknown }>): void {
    this.#chained = true
    this.#tail = this.#tail.then(() => {
      raw.writeHead(200, { ...SSE_HEADERS, ...this.#options.headers })
      raw.flushHeaders()
      for (const event of replay) raw.write(sseFrame(event.id, event.message))
      if (this.#ended) {
        raw.end()
        return
      }
      this.#raw = raw
      this.#startKeepAlive()
    })
  }

  #enqueue (data: string, retryMs: number | undefined): void {
    const resumable = this.#options.resumable
    if (resumable === undefined) {
      const raw = this.#raw
      if (raw !== undefined) this.#put(raw, frame(undefined, data, retryMs))
      return
    }
    // Ids come from the store, so writes are chained to keep their order.
    this.#chained = true
    this.#tail = this.#tail.then(async () => {
      const id = await resumable.store.append(resumable.streamId, data === '' ? '' : JSON.parse(data))
      const raw = this.#raw
      if (raw !== undefined) this.#put(raw, frame(id, data, retryMs))
    })
  }

  /** Writes unless the client leaves too much unread: then its connection is cut (a resumable stream can be resumed). */
  #put (raw: ServerResponse, text: string): void {
    if (raw.destroyed) return
    const { flow } = this.#options
    if (raw.writableLength + text.length > flow.maxUnsentBytes) {
      this.#cutOff(raw, `more than ${flow.maxUnsentBytes} bytes unread`)
      return
    }
    this.#corkForTick(raw)
    raw.write(text)
  }

  /** Holds this tick's writes back and sends them in one write on the next: progress bursts cost one system call. */
  #corkForTick (raw: ServerResponse): void {
    // The socket's cork, not the response's: a response corked when it ends loses what was written last (Node 24).
    const socket = raw.socket
    if (this.#corked || socket === null) return
    this.#corked = true
    socket.cork()
    process.nextTick(() => {
      this.#corked = false
      socket.uncork()
    })
  }

  #cutOff (raw: ServerResponse, reason: string): void {
    this.#options.flow.onCutOff(reason)
    this.#stopKeepAlive()
    raw.destroy()
  }

  #startKeepAlive (): void {
    if (this.#options.keepAliveMs <= 0) return
    this.#keepAlive = setInterval(() => {
      const raw = this.#raw
      if (raw === undefined || raw.destroyed) return
      if (raw.writableLength === 0) this.#stalledSince = undefined
      else if (this.#stalledSince === undefined) this.#stalledSince = Date.now()
      else if (Date.now() - this.#stalledSince > this.#options.flow.writeTimeoutMs) {
        this.#cutOff(raw, `writes stalled for more than ${this.#options.flow.writeTimeoutMs} ms`)
        return
      }
      this.#put(raw, ':\n\n')
    }, this.#options.keepAliveMs)
    this.#keepAlive.unref()
  }

  #stopKeepAlive (): void {
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive)
    this.#keepAlive = undefined
  }
}

/** A stored event as sent on the wire (an empty message is a priming event). */
export function sseFrame (id: string, message: unknown): string {
  return frame(id, message === '' ? '' : JSON.stringify(message), undefined)
}

function frame (id: string | undefined, data: string, retryMs: number | undefined): string {
  let text = ''
  if (id !== undefined) text += `id: ${id}\n`
  if (retryMs !== undefined) text += `retry: ${retryMs}\n`
  return `${text}event: message\ndata: ${data}\n\n`
}
