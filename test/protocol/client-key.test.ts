/**
 * `ctx.client`: the key a plugin counts per-client quotas against. The same
 * on every transport and era: `address:<remote address>` without auth (a
 * principal's `principal:<id>` with auth, see the auth suite for principals).
 */
import { createHmac } from 'node:crypto'
import t from 'tap'
import { buildTestApp, createInjectClient, modernEnvelope, startTestServer } from '@mcp-platform/server/testing'
import { RawClient } from '../websocket/helpers.ts'

const whoami = {
  name: 'client-probe',
  plugin: async (app: any) => {
    app.mcp.tool({ name: 'client_key', description: 'Returns ctx.client', handler: (_args: unknown, ctx: { client: string }) => ctx.client })
  }
}

t.test('HTTP, both eras: the remote address', async (t) => {
  const app = await buildTestApp(t, { plugins: [whoami] })
  for (const era of ['modern', 'legacy'] as const) {
    const one = createInjectClient(app, { era, remoteAddress: '10.1.2.3' })
    const two = createInjectClient(app, { era, remoteAddress: '10.9.9.9' })
    t.equal((await one.callTool('client_key')).content[0].text, 'address:10.1.2.3', `${era}: first client`)
    t.equal((await two.callTool('client_key')).content[0].text, 'address:10.9.9.9', `${era}: another address is another client`)
  }
})

t.test('WebSocket, both eras: the socket\'s remote address', async (t) => {
  const { wsUrl } = await startTestServer(t, { plugins: [whoami] })
  const modern = await RawClient.connect(t, wsUrl)
  const answer = await modern.request('tools/call', { name: 'client_key', arguments: {}, _meta: modernEnvelope() })
  t.match(answer.result?.content[0].text, /^address:(::ffff:)?127\.0\.0\.1$/)
  const legacy = await RawClient.connect(t, wsUrl)
  await legacy.initialize()
  const inSession = await legacy.request('tools/call', { name: 'client_key', arguments: {} })
  t.match(inSession.result?.content[0].text, /^address:(::ffff:)?127\.0\.0\.1$/)
})

t.test('authenticated: the principal, whatever the address', async (t) => {
  const secret = 'a-test-secret-that-is-at-least-32-chars'
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, sub: 'alice', iss: 'https://issuer.example', aud: 'https://mcp.example/mcp' })}`
  const authorization = `Bearer ${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
  const app = await buildTestApp(t, { jwtSecret: secret, auth: { issuer: 'https://issuer.example', audience: 'https://mcp.example/mcp' }, plugins: [whoami] })
  for (const remoteAddress of ['10.1.2.3', '10.9.9.9']) {
    const client = createInjectClient(app, { remoteAddress, headers: { authorization } })
    t.equal((await client.callTool('client_key')).content[0].text, 'principal:alice', `from ${remoteAddress}`)
  }
})
