/**
 * Where the explorer page is served and where it is refused: on by default
 * only while the server listens on loopback, off when disabled, always on
 * when enabled; its path is a setting; with auth on, the page's files hold no
 * data and every MCP request it makes needs the token (401 without).
 */
import t from 'tap'
import Fastify from 'fastify'
import { mcpPlatform } from '@mcp-platform/server'
import { buildTestApp, modernHeaders, modernEnvelope } from '@mcp-platform/server/testing'
import { applyEnvironment, normalizeConfig } from '../../apps/server/src/config/load.ts'
import { claims, hs256, ISSUER, RESOURCE_ORIGIN, SECRET } from '../auth/helpers.ts'

t.test('on a loopback bind by default: the page, its modules and its settings, with a strict CSP', async (t) => {
  const app = await buildTestApp(t)
  const redirect = await app.inject('/explorer')
  t.equal(redirect.statusCode, 301, '/explorer redirects')
  t.equal(redirect.headers.location, '/explorer/', 'to the folder, so relative module URLs resolve')
  const page = await app.inject('/explorer/')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /<script type="module" src="\.\/app\.js">/, 'the page loads its modules')
  t.match(page.headers['content-security-policy'], /script-src 'self'/, 'only its own scripts run')
  t.match(page.headers['content-security-policy'], /connect-src 'self'/, 'it talks to its own origin only')
  for (const file of ['app.js', 'mcp.js', 'form.js', 'render.js', 'input.js', 'status.js', 'dom.js', 'style.css']) {
    t.equal((await app.inject(`/explorer/${file}`)).statusCode, 200, `${file} is served`)
  }
  const settings = await app.inject('/explorer/settings.json')
  t.same(settings.json(), { endpoints: { mcp: '/mcp', health: '/health', metrics: '/metrics' }, auth: false }, 'where the page finds the endpoint')
  t.equal((await app.inject('/explorer/../package.json')).statusCode, 404, 'nothing outside its folder')
  t.equal((await app.inject('/explorer/.hidden')).statusCode, 403, 'no dotfiles')
})

t.test('explorer: false (MCP_EXPLORER=0): absent', async (t) => {
  const app = await buildTestApp(t, { explorer: { enabled: false } })
  t.equal((await app.inject('/explorer/')).statusCode, 404)
  t.equal((await app.inject('/explorer/app.js')).statusCode, 404)
})

t.test('the path is a setting, and the prefix of an embedding app is honoured', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (scope) => { await scope.register(mcpPlatform, { explorer: { path: '/try' }, stateSecret: 's', healthPath: false }) }, { prefix: '/api' })
  await app.ready()
  t.equal((await app.inject('/api/try/')).statusCode, 200, 'served under the prefix at its path')
  t.equal((await app.inject('/api/explorer/')).statusCode, 404, 'not at the default path')
  t.same((await app.inject('/api/try/settings.json')).json().endpoints, { mcp: '/api/mcp', metrics: '/api/metrics' }, 'the page finds the prefixed endpoint; no health route')
})

t.test('a non-loopback bind: refused (404) unless enabled', async (t) => {
  for (const [enabled, status] of [[undefined, 404], ['loopback', 404], [true, 200]] as const) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(mcpPlatform, { stateSecret: 's', allowedHosts: ['*'], ...(enabled === undefined ? {} : { explorer: { enabled } }) })
    // The wildcard address is not loopback; nothing is requested over the network (inject).
    await app.listen({ host: '0.0.0.0', port: 0 })
    t.equal((await app.inject('/explorer/')).statusCode, status, `enabled ${String(enabled)}: ${status}`)
    t.equal((await app.inject('/explorer/app.js')).statusCode, status, `its modules too: ${status}`)
    await app.close()
  }
  const local = Fastify()
  t.teardown(() => local.close())
  await local.register(mcpPlatform, { stateSecret: 's' })
  await local.listen({ host: '127.0.0.1', port: 0 })
  t.equal((await local.inject('/explorer/')).statusCode, 200, 'the same default serves it on 127.0.0.1')
})

t.test('the option: a boolean is short for { enabled }; a wrong value is named', async (t) => {
  const off = Fastify()
  t.teardown(() => off.close())
  await off.register(mcpPlatform, { stateSecret: 's', explorer: false })
  t.equal((await off.inject('/explorer/')).statusCode, 404, 'explorer: false')
  const bad = Fastify()
  t.teardown(() => bad.close())
  await t.rejects(async () => { await bad.register(mcpPlatform, { stateSecret: 's', explorer: 'yes' as never }).ready() }, /explorer: Expected object, got "yes"/)
  const badPath = Fastify()
  t.teardown(() => badPath.close())
  await t.rejects(async () => { await badPath.register(mcpPlatform, { stateSecret: 's', explorer: { path: 'no-slash' } }).ready() }, /explorer\.path: /)
})

t.test('MCP_EXPLORER and MCP_EXPLORER_PATH', async (t) => {
  const from = (env: Record<string, string>) => { const { config, sources } = applyEnvironment({}, env); return normalizeConfig(config, sources).explorer }
  t.same(from({}), { enabled: 'loopback', path: '/explorer' }, 'default: loopback only, at /explorer')
  t.same(from({ MCP_EXPLORER: '0' }), { enabled: false, path: '/explorer' })
  t.same(from({ MCP_EXPLORER: 'true', MCP_EXPLORER_PATH: '/ui' }), { enabled: true, path: '/ui' })
  t.same(from({ MCP_EXPLORER: 'loopback' }).enabled, 'loopback')
  t.throws(() => from({ MCP_EXPLORER: 'sometimes' }), /explorer\.enabled \(from MCP_EXPLORER\)/, 'a wrong value names the variable')
  t.throws(() => from({ MCP_EXPLORER_PATH: 'ui' }), /explorer\.path \(from MCP_EXPLORER_PATH\)/, 'a path must start with /')
})

t.test('with auth on: the page holds no data, and what it asks of /mcp needs the token', async (t) => {
  const resource = `${RESOURCE_ORIGIN}/mcp`
  const app = await buildTestApp(t, { jwtSecret: SECRET, publicUrl: resource, auth: { issuer: ISSUER } })
  t.equal((await app.inject('/explorer/')).statusCode, 200, 'the page itself loads (code only)')
  t.equal((await app.inject('/explorer/settings.json')).json().auth, true, 'and knows to ask for a token')
  const discover = (headers: Record<string, string> = {}) => app.inject({
    method: 'POST',
    url: '/mcp',
    headers: { ...modernHeaders('server/discover'), ...headers },
    payload: { jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: modernEnvelope() } }
  })
  const refused = await discover()
  t.equal(refused.statusCode, 401, 'its requests are refused without a token')
  t.match(refused.headers['www-authenticate'], /^Bearer /)
  const allowed = await discover({ authorization: `Bearer ${hs256(claims(resource))}` })
  t.equal(allowed.statusCode, 200, 'and answered with one')
})
