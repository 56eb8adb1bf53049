/**
 * Bearer JWTs (HS256, MCP_JWT_SECRET) over HTTP, both eras: every refusal is a
 * 401 with a challenge naming the resource metadata, and the tool never runs.
 */
import t from 'tap'
import { LEGACY_VERSION, modernRequest, rawPost, startTestServer } from '@mcp-platform/server/testing'
import { checkLogs, claims, hs256, ISSUER, logCapture, now, RESOURCE_ORIGIN, SECRET, signingKey, unsigned } from './helpers.ts'

const RESOURCE = `${RESOURCE_ORIGIN}/mcp`
const METADATA = `${RESOURCE_ORIGIN}/.well-known/oauth-protected-resource/mcp`

t.test('JWT (HS256) over HTTP', async (t) => {
  const logs = logCapture()
  let runs = 0
  const { url } = await startTestServer(t, {
    jwtSecret: SECRET,
    publicUrl: RESOURCE,
    logLevel: 'debug',
    auth: { issuer: ISSUER, scopesSupported: ['tools:call'] },
    plugins: [{
      plugin: async (app) => {
        app.mcp.tool({ name: 'whoami', description: 'Returns the caller', handler: (_args, ctx) => { runs++; return ctx.principal?.id ?? 'nobody' } })
        app.mcp.tool({
          name: 'ask',
          description: 'Asks the user a question',
          async handler (_args, ctx) {
            const answer = await ctx.elicit({ message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } })
            return String(answer.content?.name)
          }
        })
      }
    }]
  }, { logStream: logs.stream })
  const sent = (token: string) => { logs.secrets.add(token); return `Bearer ${token}` }
  const good = hs256(claims(RESOURCE))

  const callModern = (authorization?: string, path = '') =>
    modernRequest(new URL(url.href + path), 'tools/call', { name: 'whoami', arguments: {} }, { headers: authorization !== undefined ? { authorization } : {} })
  const initLegacy = (authorization?: string) => rawPost(url,
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 't', version: '1' } } },
    { 'mcp-protocol-version': LEGACY_VERSION, ...(authorization !== undefined ? { authorization } : {}) })

  t.test('a valid token reaches the tool as ctx.principal', async (t) => {
    const answer = await callModern(sent(good))
    t.equal(answer.status, 200)
    t.equal(answer.response.result.content[0].text, 'alice')
  })

  const keyPair = signingKey('k1')
  const refusals: Array<[string, string | undefined, RegExp, 'missing' | 'invalid']> = [
    ['no Authorization header', undefined, /send Authorization: Bearer <token>/, 'missing'],
    ['Basic auth', 'Basic dXNlcjpwYXNzd29yZA==', /other schemes, such as Basic/, 'missing'],
    ['a malformed token', sent('not.a.jwt'), /not valid/, 'invalid'],
    ['alg: none', sent(unsigned(claims(RESOURCE))), /not valid/, 'invalid'],
    ['an RS256 token (HS/RS confusion)', sent(keyPair.sign(claims(RESOURCE))), /not valid/, 'invalid'],
    ['a bad signature', sent(hs256(claims(RESOURCE), 'another-secret-another-secret-12345')), /not valid/, 'invalid'],
    ['an expired token', sent(hs256(claims(RESOURCE, { iat: now() - 600, exp: now() - 120 }))), /expired/, 'invalid'],
    ['no exp', sent(hs256(claims(RESOURCE, { exp: undefined }))), /exp/, 'invalid'],
    ['exp a century ahead', sent(hs256(claims(RESOURCE, { exp: now() + 100 * 365 * 86400 }))), /lives longer/, 'invalid'],
    ['nbf in the future', sent(hs256(claims(RESOURCE, { nbf: now() + 600 }))), /not valid|not active/, 'invalid'],
    ['iat in the future', sent(hs256(claims(RESOURCE, { iat: now() + 600, exp: now() + 900 }))), /in the future/, 'invalid'],
    ['a wrong audience', sent(hs256(claims('https://other.example.test/mcp'))), /aud/, 'invalid'],
    ['a wrong issuer', sent(hs256(claims(RESOURCE, { iss: 'https://evil.example.test' }))), /iss/, 'invalid'],
    ['no sub', sent(hs256(claims(RESOURCE, { sub: undefined }))), /no "sub"/, 'invalid']
  ]
  for (const [what, authorization, message, kind] of refusals) {
    t.test(`${what}: 401 with a challenge, both eras, nothing runs`, async (t) => {
      const before = runs
      for (const answer of [await callModern(authorization), await initLegacy(authorization)]) {
        t.equal(answer.status, 401)
        const challenge = answer.headers.get('www-authenticate') ?? ''
        t.match(challenge, new RegExp(`^Bearer resource_metadata="${METADATA}", scope="tools:call"`))
        if (kind === 'invalid') t.match(challenge, /error="invalid_token", error_description="[^"]+"$/)
        else t.notMatch(challenge, /error=/, 'no error code when no token was sent (RFC 6750 §3.1)')
        t.equal(answer.response.error.code, -32600)
        t.match(answer.response.error.message, message)
        t.equal(answer.headers.get('mcp-session-id'), null, 'no session was opened')
      }
      t.equal(runs, before, 'the tool did not run')
    })
  }

  t.test('a token in the query string is refused (400), even a valid one', async (t) => {
    const before = runs
    const answer = await callModern(undefined, `?access_token=${good}`)
    t.equal(answer.status, 400)
    t.match(answer.headers.get('www-authenticate'), /error="invalid_request"/)
    t.match(answer.response.error.message, /only in the Authorization header/)
    const both = await callModern(sent(good), `?access_token=${good}`)
    t.equal(both.status, 400)
    t.equal(runs, before)
  })

  t.test('a session id without its token, and another principal\'s session', async (t) => {
    const init = await initLegacy(sent(good))
    t.equal(init.status, 200)
    const session = init.headers.get('mcp-session-id')!
    const list = (authorization?: string) => rawPost(url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
      { 'mcp-protocol-version': LEGACY_VERSION, 'mcp-session-id': session, ...(authorization !== undefined ? { authorization } : {}) })
    const before = runs
    const without = await list()
    t.equal(without.status, 401, 'the session id is no substitute for the token')
    t.match(without.headers.get('www-authenticate'), /resource_metadata=/)
    const bob = await list(sent(hs256(claims(RESOURCE, { sub: 'bob' }))))
    t.equal(bob.status, 404, 'another principal cannot use it')
    t.equal(runs, before, 'nothing ran')
    t.equal((await list(sent(good))).status, 200, 'its owner can')
  })

  t.test('MRTR requestState issued to one principal is refused for another', async (t) => {
    const ask = (token: string, params: Record<string, unknown> = {}) =>
      modernRequest(url, 'tools/call', { name: 'ask', arguments: {}, ...params }, { capabilities: { elicitation: {} }, headers: { authorization: sent(token) } })
    const first = (await ask(good)).response
    t.equal(first.result.resultType, 'input_required')
    const retry = { requestState: first.result.requestState, inputResponses: { 'elicitation-0': { action: 'accept', content: { name: 'Alice' } } } }
    const asBob = (await ask(hs256(claims(RESOURCE, { sub: 'bob' })), retry)).response
    t.match(asBob.error.message, /issued to another caller/)
    t.equal((await ask(good, retry)).response.result.content[0].text, 'Alice')
  })

  t.test('the protected resource metadata (RFC 9728), at both well-known forms, without a token', async (t) => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const answer = await fetch(new URL(path, url))
      t.equal(answer.status, 200)
      t.same(await answer.json(), {
        resource: RESOURCE,
        authorization_servers: [ISSUER],
        scopes_supported: ['tools:call'],
        bearer_methods_supported: ['header'],
        resource_name: 'mcp-platform'
      })
    }
  })

  t.test('/health shows only the status without a token, details with one', async (t) => {
    const bare = await (await fetch(new URL('/health', url))).json()
    t.same(bare, { status: 'ok' })
    const full = await (await fetch(new URL('/health', url), { headers: { authorization: sent(good) } })).json() as Record<string, unknown>
    t.equal(full.status, 'ok')
    t.equal(full.tools, 2)
  })

  t.test('security headers on MCP answers', async (t) => {
    const answer = await callModern(sent(good))
    t.equal(answer.headers.get('x-content-type-options'), 'nosniff')
    t.equal(answer.headers.get('x-frame-options'), 'DENY')
    t.match(answer.headers.get('content-security-policy'), /default-src 'none'/)
    t.equal(answer.headers.get('referrer-policy'), 'no-referrer')
  })

  t.test('no credential reached the logs', async (t) => {
    logs.secrets.add('dXNlcjpwYXNzd29yZA==')
    checkLogs(t, logs)
  })
})
