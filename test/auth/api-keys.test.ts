/**
 * API keys (MCP_AUTH=apikey, MCP_API_KEYS_FILE): the file holds hashes; a
 * key is sent as a bearer token and stands for its principal and scopes.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { modernRequest, startTestServer } from '@mcp-platform/server/testing'
import { RawClient } from '../websocket/helpers.ts'
import { checkLogs, logCapture } from './helpers.ts'

t.test('API keys', async (t) => {
  const logs = logCapture()
  const billing = randomBytes(32).toString('base64url')
  const reports = randomBytes(32).toString('base64url')
  const dir = mkdtempSync(join(tmpdir(), 'mcp-api-keys-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'keys.json')
  const sha256 = (key: string) => createHash('sha256').update(key).digest('hex')
  writeFileSync(file, JSON.stringify({
    keys: [
      { sha256: sha256(billing), principal: 'billing-service', scopes: ['db:read'] },
      { sha256: sha256(reports), principal: 'reports-service' }
    ]
  }))
  let runs = 0
  const { url, wsUrl } = await startTestServer(t, {
    logLevel: 'debug',
    auth: { mode: 'apikey', apiKeysFile: file },
    plugins: [{
      plugin: async (app) => {
        app.mcp.tool({ name: 'whoami', description: 'caller', handler: (_a, ctx) => { runs++; return `${ctx.principal?.id} via ${ctx.principal?.via}` } })
        app.mcp.tool({ name: 'query', description: 'reads', scopes: ['db:read'], handler: () => { runs++; return 'rows' } })
      }
    }]
  }, { logStream: logs.stream })
  const wrong = randomBytes(32).toString('base64url')
  logs.secrets.add(billing).add(reports).add(wrong)
  const call = (name: string, key?: string) => modernRequest(url, 'tools/call', { name, arguments: {} }, { headers: key !== undefined ? { authorization: `Bearer ${key}` } : {} })

  t.test('the right key is its principal, with its scopes', async (t) => {
    t.equal((await call('whoami', billing)).response.result.content[0].text, 'billing-service via apikey')
    t.equal((await call('query', billing)).response.result.content[0].text, 'rows')
    t.equal((await call('whoami', reports)).response.result.content[0].text, 'reports-service via apikey')
    const refused = await call('query', reports)
    t.equal(refused.status, 403, 'a key without the scope')
    t.match(refused.headers.get('www-authenticate'), /^Bearer error="insufficient_scope", scope="db:read", realm="mcp"/)
  })

  t.test('a wrong key, a missing key, a hash instead of the key: 401, nothing runs', async (t) => {
    const before = runs
    for (const [what, key, error] of [['a wrong key', wrong, true], ['no key', undefined, false], ['the stored hash', sha256(billing), true]] as const) {
      const answer = await call('whoami', key)
      t.equal(answer.status, 401, what)
      t.equal(answer.headers.get('www-authenticate'), error ? 'Bearer realm="mcp", error="invalid_token", error_description="the API key is not known to this server"' : 'Bearer realm="mcp"', what)
    }
    t.equal(runs, before)
  })

  t.test('over WebSocket, as a subprotocol', async (t) => {
    const client = await RawClient.connect(t, wsUrl, { protocols: ['mcp', `bearer.${billing}`] })
    await client.initialize()
    t.equal((await client.request('tools/call', { name: 'whoami', arguments: {} })).result.content[0].text, 'billing-service via apikey')
    client.close()
  })

  t.test('no API key reached the logs', async (t) => { checkLogs(t, logs) })
})
