/**
 * Keys from an identity provider's JWKS (served by a local test server):
 * RS256, ES256 and EdDSA tokens verify; an unknown key id refetches the set,
 * at most once per refresh interval; a rotation is picked up; HS256 tokens
 * "signed" with the public key are refused (alg confusion).
 */
import { createHmac } from 'node:crypto'
import t, { type Test } from 'tap'
import { modernRequest, startTestServer } from '@mcp-platform/server/testing'
import { checkLogs, claims, ISSUER, logCapture, RESOURCE_ORIGIN, signingKey, startJwks } from './helpers.ts'

const RESOURCE = `${RESOURCE_ORIGIN}/mcp`

async function serve (t: Test, jwksUrl: string, refreshMs: number, logs: ReturnType<typeof logCapture>) {
  let runs = 0
  const server = await startTestServer(t, {
    publicUrl: RESOURCE,
    logLevel: 'debug',
    auth: { jwksUrl, issuer: ISSUER, jwksRefreshMinIntervalMs: refreshMs },
    plugins: [{ plugin: async (app) => { app.mcp.tool({ name: 'whoami', description: 'caller', handler: (_a, ctx) => { runs++; return ctx.principal!.id } }) } }]
  }, { logStream: logs.stream })
  const call = async (token: string) => {
    logs.secrets.add(token)
    return await modernRequest(server.url, 'tools/call', { name: 'whoami', arguments: {} }, { headers: { authorization: `Bearer ${token}` } })
  }
  return { ...server, call, runs: () => runs }
}

t.test('RS256, ES256 and EdDSA keys from the JWKS; rotation; refetches rate-limited', async (t) => {
  const logs = logCapture()
  const rsa = signingKey('rsa-1', 'RS256')
  const ec = signingKey('ec-1', 'ES256')
  const ed = signingKey('ed-1', 'EdDSA')
  const jwks = await startJwks(t, [rsa, ec, ed])
  const server = await serve(t, jwks.url, 0, logs)

  for (const key of [rsa, ec, ed]) {
    const answer = await server.call(key.sign(claims(RESOURCE, { sub: key.kid })))
    t.equal(answer.status, 200, `${key.alg} verifies`)
    t.equal(answer.response.result.content[0].text, key.kid)
  }
  const fetched = jwks.requests
  t.ok(fetched >= 1 && fetched <= 3, 'keys were fetched once per key id at most')
  await server.call(rsa.sign(claims(RESOURCE)))
  t.equal(jwks.requests, fetched, 'a known key id is served from the cache')

  const before = server.runs()
  const stranger = signingKey('rsa-1', 'RS256')
  const forged = await server.call(stranger.sign(claims(RESOURCE)))
  t.equal(forged.status, 401, 'a token signed by another key under a known kid: bad signature')
  t.match(forged.headers.get('www-authenticate'), /error="invalid_token"/)

  const unknown = await server.call(signingKey('nobody', 'RS256').sign(claims(RESOURCE)))
  t.equal(unknown.status, 401, 'an unknown kid is refused')
  t.match(unknown.response.error.message, /no signing key|not one of/)

  // HS/RS confusion: an HS256 token whose HMAC key is the RSA public key, as a naive verifier would accept.
  const pem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' })
  const body = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims(RESOURCE))).toString('base64url')}`
  const confused = `${body}.${createHmac('sha256', pem).update(body).digest('base64url')}`
  t.equal((await server.call(confused)).status, 401, 'HS256 is not among the JWKS algorithms')
  t.equal(server.runs(), before, 'nothing ran for the refused tokens')

  // Rotation: the provider replaces its keys; the first token with the new kid fetches the new set.
  const next = signingKey('rsa-2', 'RS256')
  jwks.keys = [next]
  const rotated = await server.call(next.sign(claims(RESOURCE, { sub: 'after-rotation' })))
  t.equal(rotated.status, 200, 'a token with the new key verifies after the rotation')
  t.equal(rotated.response.result.content[0].text, 'after-rotation')
  checkLogs(t, logs)
})

t.test('unknown key ids refetch the JWKS at most once per interval', async (t) => {
  const logs = logCapture()
  const rsa = signingKey('rsa-1', 'RS256')
  const jwks = await startJwks(t, [rsa])
  const server = await serve(t, jwks.url, 60_000, logs)
  t.equal((await server.call(rsa.sign(claims(RESOURCE)))).status, 200)
  const after = jwks.requests
  for (let i = 0; i < 20; i++) {
    const answer = await server.call(signingKey(`made-up-${i}`, 'RS256').sign(claims(RESOURCE)))
    t.equal(answer.status, 401)
  }
  t.ok(jwks.requests - after <= 1, `20 made-up key ids caused ${jwks.requests - after} fetch(es), at most 1`)
  t.equal((await server.call(rsa.sign(claims(RESOURCE)))).status, 200, 'known keys still verify')
})
