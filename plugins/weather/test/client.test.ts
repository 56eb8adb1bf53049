/**
 * The HTTP client against a real local server: keep-alive reuse, cache,
 * coalescing, retry policy, timeout and cancellation. No assertion depends on
 * how long anything took; small timeouts only trigger behaviour.
 */
import { createServer, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import t from 'tap'
import { HttpClient, type HttpClientOptions } from '../src/client.ts'
import { ClientClosedError, UpstreamHttpError, UpstreamResponseError, UpstreamTimeoutError, UpstreamUnreachableError } from '../src/errors.ts'
import { fixture, hang, sendJson, startReplayServer, type Route } from './helpers/replay-server.ts'

/** The part of a tap test `setup` needs (tap's own Test type is generic over its plugins). */
interface Test { teardown: (fn: () => unknown) => void }

const identity = (body: unknown): unknown => body

/**
 * undici hands a keep-alive socket back to its pool one event-loop turn after
 * a response ends (to notice a server that closed it meanwhile); a request in
 * the same turn would open a second socket. Real tool calls are never that
 * close together, so the tests let that turn pass: ordering, not timing.
 */
const nextLoopTurn = async () => await new Promise((resolve) => setImmediate(resolve))

async function setup (t: Test, options: HttpClientOptions = {}, route?: Route) {
  const server = await startReplayServer(route)
  const client = new HttpClient({ retryDelayMs: 1, ...options })
  // Server first: it drops hanging connections, so closing the client never waits.
  t.teardown(async () => {
    await server.close()
    await client.close()
  })
  return { server, client }
}

/** A route that holds every response until `release()`. */
function held () {
  const pending: ServerResponse[] = []
  const route: Route = (_req, res) => { pending.push(res) }
  const release = (body = '{"ok":true}') => { for (const res of pending.splice(0)) sendJson(res, 200, body) }
  return { route, release }
}

t.test('keep-alive: consecutive requests reuse one connection', async (t) => {
  const { server, client } = await setup(t)
  for (const name of ['Berlin', 'Paris', 'Rome']) {
    await client.getJson(`${server.url}/v1/search?name=${name}`, { ttlMs: 0, parse: identity })
    await nextLoopTurn()
  }
  t.equal(server.requests.length, 3)
  t.equal(server.connections(), 1, 'one TCP connection for three requests')
  t.same(server.requests.map((r) => r.connection), [1, 1, 1])
})

t.test('one pool per origin: each upstream keeps its own warm connection', async (t) => {
  const { server: a, client } = await setup(t)
  const b = await startReplayServer()
  t.teardown(async () => await b.close())
  for (let i = 0; i < 2; i++) {
    await client.getJson(`${a.url}/v1/search?name=Berlin&i=${i}`, { ttlMs: 0, parse: identity })
    await client.getJson(`${b.url}/v1/search?name=Berlin&i=${i}`, { ttlMs: 0, parse: identity })
    await nextLoopTurn()
  }
  t.equal(a.connections(), 1)
  t.equal(b.connections(), 1)
})

t.test('cache: a second identical call is served without reaching the server', async (t) => {
  const { server, client } = await setup(t)
  const url = `${server.url}/v1/search?name=Berlin&count=1&language=en&format=json`
  const first = await client.getJson(url, { ttlMs: 60_000, parse: identity })
  const second = await client.getJson(url, { ttlMs: 60_000, parse: identity })
  t.equal(server.requests.length, 1)
  t.equal(second, first, 'the cached value')
  t.equal(client.stats.cacheHits, 1)

  await client.getJson(`${server.url}/v1/search?name=Paris&count=1&language=en&format=json`, { ttlMs: 60_000, parse: identity })
  t.equal(server.requests.length, 2, 'the key is the full URL')
})

t.test('cache: ttlMs 0 is not cached', async (t) => {
  const { server, client } = await setup(t)
  const url = `${server.url}/v1/search?name=Berlin`
  await client.getJson(url, { ttlMs: 0, parse: identity })
  await client.getJson(url, { ttlMs: 0, parse: identity })
  t.equal(server.requests.length, 2)
})

t.test('coalescing: concurrent identical calls make one upstream request and parse once', async (t) => {
  const { route, release } = held()
  const { server, client } = await setup(t, {}, route)
  let parses = 0
  const parse = (body: unknown) => { parses++; return body }
  const url = `${server.url}/v1/forecast?latitude=1&longitude=2`
  const calls = [1, 2, 3].map(async () => await client.getJson(url, { ttlMs: 60_000, parse }))
  await server.nextRequest()
  release('{"value":42}')
  const results = await Promise.all(calls)
  t.same(results, [{ value: 42 }, { value: 42 }, { value: 42 }])
  t.equal(server.requests.length, 1)
  t.equal(client.stats.coalesced, 2)
  t.equal(parses, 1)
})

t.test('HTTP 500: retried exactly once, then a clear error', async (t) => {
  const { server, client } = await setup(t, {}, (_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end('oops') })
  const error = await client.getJson(`${server.url}/v1/forecast`, { ttlMs: 60_000, parse: identity }).catch((err: unknown) => err)
  t.type(error, UpstreamHttpError)
  t.match(error, { statusCode: 500, reason: undefined, message: 'HTTP 500 Internal Server Error' })
  t.equal(server.requests.length, 2, 'one retry, no storm')
  t.equal(client.stats.upstreamRequests, 2)
})

t.test('HTTP 503 then 200: the single retry recovers', async (t) => {
  let n = 0
  const { server, client } = await setup(t, {}, (_req, res) => {
    if (n++ === 0) sendJson(res, 503, '{"error":true,"reason":"busy"}')
    else sendJson(res, 200, '{"ok":true}')
  })
  t.same(await client.getJson(`${server.url}/x`, { ttlMs: 0, parse: identity }), { ok: true })
  t.equal(server.requests.length, 2)
})

t.test('retry: false sends a 5xx straight back', async (t) => {
  const { server, client } = await setup(t, { retry: false }, (_req, res) => { sendJson(res, 502, '{}') })
  const error = await client.getJson(`${server.url}/x`, { ttlMs: 0, parse: identity }).catch((err: unknown) => err)
  t.match(error, { statusCode: 502 })
  t.equal(server.requests.length, 1)
})

t.test('HTTP 400 with an Open-Meteo reason: not retried, reason kept', async (t) => {
  const { server, client } = await setup(t, {}, (_req, res) => { sendJson(res, 400, fixture('error-400-latitude.json')) })
  const error = await client.getJson(`${server.url}/v1/forecast?latitude=100`, { ttlMs: 60_000, parse: identity }).catch((err: unknown) => err)
  t.type(error, UpstreamHttpError)
  t.match(error, {
    statusCode: 400,
    reason: 'Latitude must be in range of -90 to 90°. Given: 100.0.',
    message: 'HTTP 400 Bad Request: Latitude must be in range of -90 to 90°. Given: 100.0.'
  })
  t.equal(server.requests.length, 1)
})

t.test('connection dropped before a response: one retry on a new connection succeeds', async (t) => {
  let n = 0
  const { server, client } = await setup(t, {}, (req, res) => {
    if (n++ === 0) req.socket.destroy()
    else sendJson(res, 200, '{"ok":true}')
  })
  t.same(await client.getJson(`${server.url}/x`, { ttlMs: 0, parse: identity }), { ok: true })
  t.equal(server.requests.length, 2)
  t.equal(server.connections(), 2)
})

t.test('connection refused: unreachable error with its code', async (t) => {
  // A port that was just free: nothing listens on it any more.
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const address = probe.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  probe.close()
  await once(probe, 'close')
  const client = new HttpClient({ retryDelayMs: 1 })
  t.teardown(async () => await client.close())
  const error = await client.getJson(`http://127.0.0.1:${address.port}/x`, { ttlMs: 0, parse: identity }).catch((err: unknown) => err)
  t.type(error, UpstreamUnreachableError)
  t.match(error, { code: 'ECONNREFUSED', message: 'connection refused' })
  t.equal(client.stats.upstreamRequests, 2, 'connection errors get the one retry too')
})

t.test('timeout: the server never answers; the request is aborted, not retried', async (t) => {
  const { server, client } = await setup(t, { timeoutMs: 100 }, hang)
  const abortSeen = server.nextAbort()
  const error = await client.getJson(`${server.url}/v1/forecast`, { ttlMs: 60_000, parse: identity }).catch((err: unknown) => err)
  t.type(error, UpstreamTimeoutError)
  t.match(error, { timeoutMs: 100, message: 'timeout after 100 ms' })
  await abortSeen
  t.equal(server.requests.length, 1, 'no retry after a timeout')
  t.equal(server.aborted.length, 1, 'the server saw the connection close')
})

t.test('timeout while the body trickles in', async (t) => {
  const { server, client } = await setup(t, { timeoutMs: 100 }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"current":')
  })
  const abortSeen = server.nextAbort()
  await t.rejects(client.getJson(`${server.url}/x`, { ttlMs: 0, parse: identity }), UpstreamTimeoutError)
  await abortSeen
  t.equal(server.requests.length, 1)
})

t.test('cancel: aborting the signal mid-request aborts the upstream request', async (t) => {
  const { server, client } = await setup(t, {}, hang)
  const controller = new AbortController()
  const abortSeen = server.nextAbort()
  const call = client.getJson(`${server.url}/v1/forecast`, { ttlMs: 60_000, parse: identity, signal: controller.signal })
  await server.nextRequest()
  controller.abort()
  await t.rejects(call, { name: 'AbortError' })
  const aborted = await abortSeen
  t.equal(aborted.path, '/v1/forecast', 'the server saw that request\'s socket close')
  t.equal(server.requests.length, 1, 'no retry after an abort')
})

t.test('cancel: one coalesced caller leaving does not fail the others', async (t) => {
  const { route, release } = held()
  const { server, client } = await setup(t, {}, route)
  const controller = new AbortController()
  const url = `${server.url}/shared`
  const leaving = client.getJson(url, { ttlMs: 0, parse: identity, signal: controller.signal })
  const staying = client.getJson(url, { ttlMs: 0, parse: identity })
  await server.nextRequest()
  controller.abort()
  await t.rejects(leaving, { name: 'AbortError' })
  release('{"ok":true}')
  t.same(await staying, { ok: true })
  t.equal(server.requests.length, 1)
  t.equal(server.aborted.length, 0, 'upstream request kept for the remaining caller')
})

t.test('cancel: when every coalesced caller leaves, upstream is aborted and the next call starts afresh', async (t) => {
  const { route, release } = held()
  const { server, client } = await setup(t, {}, route)
  const url = `${server.url}/shared`
  const a = new AbortController()
  const b = new AbortController()
  const abortSeen = server.nextAbort()
  const calls = [a, b].map(async (c) => await client.getJson(url, { ttlMs: 0, parse: identity, signal: c.signal }))
  await server.nextRequest()
  a.abort()
  b.abort()
  for (const call of calls) await t.rejects(call, { name: 'AbortError' })
  await abortSeen

  const again = client.getJson(url, { ttlMs: 0, parse: identity })
  await server.nextRequest()
  release('{"fresh":true}')
  t.same(await again, { fresh: true })
  t.equal(server.requests.length, 2)
})

t.test('an already aborted signal sends nothing', async (t) => {
  const { server, client } = await setup(t)
  await t.rejects(client.getJson(`${server.url}/x`, { ttlMs: 0, parse: identity, signal: AbortSignal.abort() }), { name: 'AbortError' })
  t.equal(server.requests.length, 0)
})

t.test('a body that is not JSON, or that parse rejects, is an error and is not cached', async (t) => {
  let body = '<html>maintenance</html>'
  const { server, client } = await setup(t, {}, (_req, res) => { sendJson(res, 200, body) })
  const url = `${server.url}/x`
  await t.rejects(client.getJson(url, { ttlMs: 60_000, parse: identity }), new UpstreamResponseError('invalid JSON in response'))
  body = '{"unexpected":true}'
  const strict = () => { throw new UpstreamResponseError('unexpected response: current is not an object') }
  await t.rejects(client.getJson(url, { ttlMs: 60_000, parse: strict }), UpstreamResponseError)
  body = '{"ok":true}'
  t.same(await client.getJson(url, { ttlMs: 60_000, parse: identity }), { ok: true })
  t.equal(server.requests.length, 3, 'failures were never cached')
})

t.test('an oversized body is refused', async (t) => {
  const { server, client } = await setup(t, { maxResponseBytes: 100 }, (_req, res) => { sendJson(res, 200, JSON.stringify({ pad: 'x'.repeat(500) })) })
  await t.rejects(client.getJson(`${server.url}/x`, { ttlMs: 0, parse: identity }), new UpstreamResponseError('response larger than 100 bytes'))
})

t.test('close() ends the kept-alive connections', async (t) => {
  const { server, client } = await setup(t)
  await client.getJson(`${server.url}/v1/search?name=Berlin`, { ttlMs: 0, parse: identity })
  t.equal(server.openConnections(), 1, 'kept alive after the response')
  await client.close()
  await server.allConnectionsClosed()
  t.equal(server.openConnections(), 0)
})

t.test('a closed client refuses new calls', async (t) => {
  const { server, client } = await setup(t)
  await client.close()
  await t.rejects(client.getJson(`${server.url}/x`, { ttlMs: 0, parse: identity }), ClientClosedError)
  t.equal(server.requests.length, 0)
})

t.test('rejects nonsense options', async (t) => {
  t.throws(() => new HttpClient({ timeoutMs: 0 }), RangeError)
  t.throws(() => new HttpClient({ connections: -1 }), RangeError)
})
