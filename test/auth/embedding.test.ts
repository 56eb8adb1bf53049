/**
 * Embedding with auth in an app that has its own @fastify/jwt and
 * @fastify/rate-limit: the platform's JWT checks live under namespaces of
 * their own, so the app's `jwt` keeps signing with its own secret and the
 * platform checks tokens with the platform's (its namespaced instances do
 * appear on the inherited `app.jwt` object, as `mcp` and `mcpHealth`).
 */
import Fastify from 'fastify'
import fastifyJwt from '@fastify/jwt'
import rateLimit from '@fastify/rate-limit'
import t from 'tap'
import { mcpPlatform } from '@mcp-platform/server'
import { modernEnvelope, modernHeaders } from '@mcp-platform/server/testing'
import { claims, hs256, SECRET } from './helpers.ts'

const RESOURCE = 'http://127.0.0.1/mcp'

t.test('a host app with its own @fastify/jwt and @fastify/rate-limit', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(rateLimit, { global: false })
  await app.register(fastifyJwt, { secret: 'the-host-apps-own-secret-of-40-characters' })
  await app.register(mcpPlatform, { auth: { jwtSecret: SECRET, resource: RESOURCE }, stateSecret: 's' })
  await app.ready()

  const list = async (token: string) => await app.inject({
    method: 'POST',
    url: '/mcp',
    headers: { ...modernHeaders('tools/list'), authorization: `Bearer ${token}` },
    payload: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernEnvelope() } }
  })
  t.equal((await list(hs256(claims(RESOURCE)))).statusCode, 200, 'a token of the platform\'s secret passes')
  const hostToken = app.jwt.sign({ ...claims(RESOURCE) })
  t.equal((await list(hostToken)).statusCode, 401, 'a token of the host app\'s secret does not')
  // @fastify/jwt puts namespaced instances on the inherited `jwt` object (app.jwt.mcp, app.jwt.mcpHealth); the app's own are untouched.
  t.equal((app.jwt.verify(hostToken) as { sub: string }).sub, 'alice', 'the host app still verifies its own tokens')
})
