/**
 * Rate limits (with auth on): a burst past the per-principal limit gets 429
 * with Retry-After on HTTP and a JSON-RPC error on WebSocket; the per-address
 * limit counts requests before their token is checked, so invalid tokens
 * cannot be tried without end. A custom store receives the counts.
 */
import t from 'tap'
import Fastify from 'fastify'
import { mcpPlatform } from '@mcp-platform/server'
import { modernEnvelope, modernHeaders, modernRequest, startTestServer } from '@mcp-platform/server/testing'
import { RawClient } from '../websocket/helpers.ts'
import { checkLogs, claims, hs256, ISSUER, logCapture, RESOURCE_ORIGIN, SECRET } from './helpers.ts'

const RESOURCE = `${RESOURCE_ORIGIN}/mcp`
const plugin = { plugin: async (app: any) => { app.mcp.tool({ name: 'echo', description: 'echo', handler: () => 'ok' }) } }

t.test('per principal: a burst over HTTP and WebSocket', async (t) => {
  const logs = logCapture()
  const { url, wsUrl } = await startTestServer(t, {
    jwtSecret: SECRET,
    publicUrl: RESOURCE,
    auth: { issuer: ISSUER },
    plugins: [plugin],
    logLevel: 'debug',
    limits: { rateLimitPerMinute: 10, rateLimitIpPerMinute: 0 }
  }, { logStream: logs.stream })
  const alice = hs256(claims(RESOURCE))
  const bob = hs256(claims(RESOURCE, { sub: 'bob' }))
  logs.secrets.add(alice).add(bob)
  const call = (token: string) => modernRequest(url, 'tools/call', { name: 'echo', arguments: {} }, { headers: { authorization: `Bearer ${token}` } })
  const statuses = await Promise.all(Array.from({ length: 15 }, async () => (await call(alice)).status))
  t.equal(statuses.filter((s) => s === 200).length, 10, '10 of a burst of 15 pass')
  t.equal(statuses.filter((s) => s === 429).length, 5, 'the rest get 429')
  const refused = await call(alice)
  t.equal(refused.status, 429)
  const retryAfter = Number(refused.headers.get('retry-after'))
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter} s`)
  t.match(refused.response.error.message, /may send 10 per minute/)
  t.equal(refused.response.error.code, -32603)
  t.equal((await call(bob)).status, 200, 'another principal has its own budget')

  // Bob has 9 left: a WebSocket burst of 12 messages gets 3 JSON-RPC errors, and the connection stays open.
  const client = await RawClient.connect(t, wsUrl, { headers: { authorization: `Bearer ${bob}` } })
  const answers = await Promise.all(Array.from({ length: 12 }, async () => await client.request('tools/call', { name: 'echo', arguments: {}, _meta: modernEnvelope() })))
  t.equal(answers.filter((a) => a.result !== undefined).length, 8, 'the upgrade counted once, 8 messages pass')
  const errors = answers.filter((a) => a.error !== undefined)
  t.equal(errors.length, 4)
  t.match(errors[0].error!.message, /Too many requests/)
  t.equal(client.ws.readyState, 1, 'the connection stays open')
  client.close()
  checkLogs(t, logs)
})

t.test('per address, before the token is checked; a custom store', async (t) => {
  const keys: string[] = []
  // The @fastify/rate-limit store interface: what a Redis-backed store implements.
  class RecordingStore {
    counts = new Map<string, number>()
    incr (key: string, callback: (error: Error | null, result: { current: number, ttl: number }) => void) {
      keys.push(key)
      const current = (this.counts.get(key) ?? 0) + 1
      this.counts.set(key, current)
      callback(null, { current, ttl: 60_000 })
    }

    child () { return this }
  }
  const { url } = await startTestServer(t, {
    jwtSecret: SECRET,
    publicUrl: RESOURCE,
    auth: { issuer: ISSUER },
    plugins: [plugin],
    limits: { rateLimitPerMinute: 0, rateLimitIpPerMinute: 5 }
  })
  const bad = (i: number) => modernRequest(url, 'tools/list', {}, { headers: { authorization: `Bearer not-a-token-${i}` } })
  const statuses = []
  for (let i = 0; i < 8; i++) statuses.push((await bad(i)).status)
  t.same(statuses, [401, 401, 401, 401, 401, 429, 429, 429], 'guessing tokens is limited by address')

  // The platform option: counts go to the given store (here one that records them).
  const embedded = Fastify()
  t.teardown(() => embedded.close())
  await embedded.register(mcpPlatform, {
    auth: { jwtSecret: SECRET, resource: RESOURCE, issuer: ISSUER },
    rateLimitStore: RecordingStore,
    limits: { rateLimitPerMinute: 2, rateLimitIpPerMinute: 100 },
    stateSecret: 'x'
  })
  const inject = () => embedded.inject({
    method: 'POST',
    url: '/mcp',
    headers: { ...modernHeaders('tools/list'), authorization: `Bearer ${hs256(claims(RESOURCE))}` },
    payload: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernEnvelope() } }
  })
  const codes = [(await inject()).statusCode, (await inject()).statusCode, (await inject()).statusCode]
  t.same(codes, [200, 200, 429])
  t.same(keys.filter((key) => key.startsWith('principal:')), ['principal:alice', 'principal:alice', 'principal:alice'], 'the store saw every count')
  t.ok(keys.includes('ip:127.0.0.1'), 'and the per-address ones')
})
