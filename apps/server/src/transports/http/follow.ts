/**
 * Resuming a legacy SSE stream on an instance that does not run its request
 * (several instances behind a load balancer: the client reconnected with
 * `Last-Event-ID` wherever the balancer sent it). What it missed comes from
 * the shared event store at once; if the request is still running elsewhere,
 * the store is polled for what that instance appends, until the request's
 * response arrives, the client goes away, or `followMs` passes (then the
 * stream ends, and the client may reconnect again).
 */
import type { ServerResponse } from 'node:http'
import type { EventStore, StoredEvent } from '../../state/event-store.ts'
import { SSE_HEADERS, sseFrame } from './sse.ts'

export interface FollowOptions {
  store: EventStore
  headers: Record<string, string>
  /** How often the store is read for new events. */
  pollMs: number
  /** The longest a stream is followed (about a tool's time limit plus a drain). */
  followMs: number
  keepAliveMs: number
}

/** The response that ends a request's stream (server-to-client requests and notifications have a method). */
export function isFinal (event: StoredEvent | undefined): boolean {
  const message = event?.message as Record<string, unknown> | undefined
  return typeof message === 'object' && message !== null && message.method === undefined && ('result' in message || 'error' in message)
}

/** `after`: the client's Last-Event-ID; `replay`: what the store holds after it. */
export function followStream (raw: ServerResponse, after: string, replay: StoredEvent[], options: FollowOptions): void {
  raw.writeHead(200, { ...SSE_HEADERS, ...options.headers })
  raw.flushHeaders()
  for (const event of replay) raw.write(sseFrame(event.id, event.message))
  if (isFinal(replay.at(-1))) {
    raw.end()
    return
  }
  let lastId = replay.at(-1)?.id ?? after
  const deadline = Date.now() + options.followMs
  let lastWrite = Date.now()
  const client = { gone: false }
  raw.once('close', () => { client.gone = true })
  const poll = async (): Promise<void> => {
    while (!client.gone && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, options.pollMs))
      if (client.gone) return
      let found: { events: StoredEvent[] } | undefined
      try {
        found = await options.store.after(lastId)
      } catch {
        continue // the store is unreachable for a moment: try again
      }
      if (found === undefined) break // expired: nothing more will come
      for (const event of found.events) raw.write(sseFrame(event.id, event.message))
      if (found.events.length > 0) {
        lastId = found.events.at(-1)!.id
        lastWrite = Date.now()
        if (isFinal(found.events.at(-1))) break
      } else if (options.keepAliveMs > 0 && Date.now() - lastWrite >= options.keepAliveMs) {
        raw.write(': keep-alive\n\n')
        lastWrite = Date.now()
      }
    }
    if (!client.gone) raw.end()
  }
  void poll()
}
