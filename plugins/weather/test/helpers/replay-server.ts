/**
 * A local stand-in for Open-Meteo: a node:http server on 127.0.0.1 (port 0)
 * that replays the JSON fixtures and records what it saw: every request with
 * its query string and the connection it came on, how many connections were
 * opened, and requests whose socket closed before an answer (aborts).
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export interface SeenRequest {
  method: string
  path: string
  query: URLSearchParams
  /** 1-based number of the TCP connection the request came on. */
  connection: number
}

/** Answer one request; `seen` is its record. May leave `res` open on purpose (timeouts, aborts). */
export type Route = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void

export interface ReplayServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`: pass it as apiUrl and geocodingUrl. */
  readonly url: string
  readonly requests: SeenRequest[]
  /** TCP connections accepted so far. */
  readonly connections: () => number
  /** TCP connections currently open. */
  readonly openConnections: () => number
  /** Requests whose connection closed before a response was sent. */
  readonly aborted: SeenRequest[]
  /** Swap the routing for the next requests. */
  route: Route
  /** Resolves with the next request's record once it arrives. */
  nextRequest: () => Promise<SeenRequest>
  /** Resolves once some request has been aborted by the client. */
  nextAbort: () => Promise<SeenRequest>
  /** Resolves once no connection is open (at once if none is). */
  allConnectionsClosed: () => Promise<void>
  close: () => Promise<void>
}

const FIXTURES = new URL('../fixtures/', import.meta.url)

/** A fixture file's raw text (bytes as recorded, not re-serialised). */
export function fixture (name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8')
}

export function sendJson (res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** Replays Open-Meteo by path and query: Berlin geocodes, anything else is not found. */
export const openMeteo: Route = (_req, res, seen) => {
  const q = seen.query
  if (seen.path.endsWith('/v1/search')) {
    sendJson(res, 200, fixture(q.get('name') === 'Berlin' ? 'geocoding-berlin.json' : 'geocoding-not-found.json'))
    return
  }
  if (seen.path.endsWith('/v1/forecast')) {
    const imperial = q.get('temperature_unit') === 'fahrenheit'
    if (q.has('current')) {
      const sydney = Number(q.get('latitude')) < 0
      sendJson(res, 200, fixture(sydney ? 'forecast-current-sydney.json' : imperial ? 'forecast-current-imperial.json' : 'forecast-current-metric.json'))
    } else {
      sendJson(res, 200, fixture(imperial ? 'forecast-daily-imperial.json' : 'forecast-daily-metric.json'))
    }
    return
  }
  sendJson(res, 404, '{"error":true,"reason":"Not Found"}')
}

/** A route that never answers (the client's deadline or abort must end it). */
export const hang: Route = () => {}

export async function startReplayServer (route: Route = openMeteo): Promise<ReplayServer> {
  const requests: SeenRequest[] = []
  const aborted: SeenRequest[] = []
  const socketIds = new WeakMap<Socket, number>()
  let connections = 0
  const open = new Set<Socket>()
  let idleWaiters: Array<() => void> = []
  let requestWaiters: Array<(seen: SeenRequest) => void> = []
  let abortWaiters: Array<(seen: SeenRequest) => void> = []

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://replay')
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      connection: socketIds.get(req.socket) ?? 0
    }
    requests.push(seen)
    res.on('close', () => {
      if (res.writableFinished) return
      aborted.push(seen)
      const waiters = abortWaiters
      abortWaiters = []
      for (const resolve of waiters) resolve(seen)
    })
    const waiters = requestWaiters
    requestWaiters = []
    for (const resolve of waiters) resolve(seen)
    replay.route(req, res, seen)
  })
  server.on('connection', (socket: Socket) => {
    connections++
    socketIds.set(socket, connections)
    open.add(socket)
    socket.on('close', () => {
      open.delete(socket)
      if (open.size > 0) return
      const waiters = idleWaiters
      idleWaiters = []
      for (const resolve of waiters) resolve()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('replay server has no TCP address')

  const replay: ReplayServer = {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    aborted,
    connections: () => connections,
    openConnections: () => open.size,
    route,
    nextRequest: async () => await new Promise((resolve) => { requestWaiters.push(resolve) }),
    nextAbort: async () => await new Promise((resolve) => { abortWaiters.push(resolve) }),
    allConnectionsClosed: async () => {
      if (open.size === 0) return
      await new Promise<void>((resolve) => { idleWaiters.push(resolve) })
    },
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }
  return replay
}
