/**
 * `GET /ready`: 200 with every check named; 503 naming the check when the
 * shared state (a real Redis, stopped) or a plugin's check fails, back to 200
 * when Redis returns; never ready once shutdown starts. Calls that need
 * Redis while it is down fail with a clear error instead of hanging.
 */
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { createInjectClient, deferred, legacyInitialize, legacyRequest, startTestServer, until } from '../../apps/server/src/testing/index.ts'
import { startRedis } from '../helpers/redis.ts'

let databaseUp = true
const release = deferred()
const plugin: FastifyPluginAsync = async (app) => {
  app.mcp.readinessCheck('database', async () => { if (!databaseUp) throw new Error('connection refused') })
  app.mcp.tool({ name: 'hold', description: 'Answers when the test says so', handler: async () => { await release.promise; return 'done' } })
}

t.test('in memory: ready, a failing plugin check, draining', async (t) => {
  const { app, url } = await startTestServer(t, { plugins: [{ plugin, name: 'fake-db' }] })
  const ready = await app.inject({ url: '/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', checks: { 'fake-db:database': 'ok' } })

  databaseUp = false
  const down = await app.inject({ url: '/ready' })
  t.equal(down.statusCode, 503, 'a failing plugin check: not ready')
  t.equal(down.headers['retry-after'], '5')
  t.same(down.json(), { status: 'not ready', checks: { 'fake-db:database': 'connection refused' } })
  databaseUp = true

  // A call in flight keeps the app draining while /ready is asked.
  const call = createInjectClient(app).request('tools/call', { name: 'hold', arguments: {} })
  await until(() => app.mcpCore.calls.size === 1, 5000, 'the call in flight')
  const closing = app.close()
  await until(() => app.mcpCore.closing, 5000, 'shutdown to start')
  // The listener is closed once shutdown starts: a probe is refused (the balancer moves on) or gets 503, never 200.
  const probe = await fetch(new URL('/ready', url)).then((res) => `HTTP ${res.status}`, () => 'refused')
  t.not(probe, 'HTTP 200', `draining: a readiness probe is not answered ready (${probe})`)
  release.resolve()
  t.match(await call, { content: [{ text: 'done' }] }, 'the call in flight still finishes')
  await closing
})

t.test('Redis stopped: not ready, calls fail with a clear error, and all recovers when it is back', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const server = await startTestServer(t, { redisUrl: redis.url })
  const readyUrl = new URL('/ready', server.url)
  t.equal((await fetch(readyUrl)).status, 200, 'ready with Redis up')
  const session = await legacyInitialize(server.url)

  await redis.stop()
  const notReady = await fetch(readyUrl)
  t.equal(notReady.status, 503, 'Redis down: not ready')
  t.match(await notReady.json(), { status: 'not ready', checks: { state: String } })
  const started = Date.now()
  const call = await legacyRequest(server.url, session, 'tools/list')
  t.equal(call.status, 503, 'a call that needs the session store fails at once with 503, instead of hanging')
  t.ok(call.headers.get('retry-after'), 'retryable: Retry-After')
  t.match(call.response, { error: { message: /shared state \(Redis\) is unreachable; retry/ } }, 'with a JSON-RPC error that says what happened')
  t.comment(`failed after ${Date.now() - started} ms`)

  await redis.start()
  let status = 0
  for (let i = 0; i < 100 && status !== 200; i++) {
    status = (await fetch(readyUrl)).status
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200))
  }
  t.equal(status, 200, 'ready again once Redis is back')
  t.ok(await legacyInitialize(server.url), 'new sessions work again')
})
