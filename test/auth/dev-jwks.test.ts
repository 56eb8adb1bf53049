/**
 * The worked example of docs/security.md, as written there: the local JWKS
 * script stands in for an identity provider, `npm start` (from sources) uses
 * its keys, and a token it mints calls a tool that needs a scope.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import t from 'tap'
import { modernRequest } from '@mcp-platform/server/testing'
import { ROOT, startServer } from '../helpers/server-process.ts'

async function freePort (): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

t.test('scripts/dev-jwks.mjs and npm start', async (t) => {
  const [idpPort, mcpPort] = [await freePort(), await freePort()]
  const resource = `http://127.0.0.1:${mcpPort}/mcp`
  const idp = spawn(process.execPath, ['scripts/dev-jwks.mjs', '--port', String(idpPort), '--aud', resource], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { idp.kill() })
  await new Promise<void>((resolve) => idp.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('JWKS:')) resolve() }))
  const issuer = `http://127.0.0.1:${idpPort}`

  const server = await startServer(t, {
    PORT: String(mcpPort),
    MCP_JWT_JWKS_URL: `${issuer}/jwks.json`,
    MCP_JWT_ISSUER: issuer,
    MCP_PUBLIC_URL: resource
  })
  const mint = async (scope: string) => (await (await fetch(`${issuer}/token?sub=alice&scope=${scope}`)).text()).trim()
  const call = async (token: string) => await modernRequest(server.url, 'tools/call', { name: 'db_list_tables', arguments: {} }, { headers: { authorization: `Bearer ${token}` } })

  const anonymous = await modernRequest(server.url, 'tools/list')
  t.equal(anonymous.status, 401)
  t.match(anonymous.headers.get('www-authenticate'), `resource_metadata="http://127.0.0.1:${mcpPort}/.well-known/oauth-protected-resource/mcp"`)
  const answer = await call(await mint('db:read'))
  t.equal(answer.status, 200, 'a token from the local JWKS is accepted')
  t.notOk(answer.response.result.isError)
})
