/**
 * `npm start` on a non-loopback address: with no authentication it refuses
 * to start and names the opt-in; the Host check follows MCP_PUBLIC_URL (never
 * silently `*`); on loopback nothing needs configuring.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { FROM_SOURCES, ROOT, startServer } from '../helpers/server-process.ts'
import { SECRET } from './helpers.ts'

async function run (env: Record<string, string>): Promise<{ code: number | null, output: string }> {
  const child = spawn(process.execPath, FROM_SOURCES, { cwd: ROOT, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, output }
}

/** A GET /health with a chosen Host header (fetch does not let a test set Host). */
async function withHost (url: string, host: string): Promise<number> {
  const target = new URL(url)
  return await new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: target.port, path: '/mcp', method: 'GET', headers: { host } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    }).on('error', reject).end()
  })
}

t.test('HOST=0.0.0.0 without auth refuses to start, naming the opt-in', async (t) => {
  const { code, output } = await run({ HOST: '0.0.0.0' })
  t.equal(code, 1)
  t.match(output, 'MCP_ERR_UNAUTHENTICATED_PUBLIC_BIND')
  t.match(output, 'MCP_ALLOW_UNAUTHENTICATED_PUBLIC=1')
  t.notMatch(output, /MCP server listening/)
})

t.test('HOST=0.0.0.0 with auth but no Host names refuses too', async (t) => {
  const { code, output } = await run({ HOST: '0.0.0.0', MCP_JWT_SECRET: SECRET, MCP_JWT_AUDIENCE: 'https://mcp.example.test/mcp' })
  t.equal(code, 1)
  t.match(output, 'MCP_ERR_PUBLIC_HOSTS')
  t.match(output, 'MCP_PUBLIC_URL')
})

t.test('HOST=0.0.0.0 with auth and MCP_PUBLIC_URL: only that Host is served', async (t) => {
  const server = await startServer(t, { HOST: '0.0.0.0', MCP_JWT_SECRET: SECRET, MCP_PUBLIC_URL: 'https://mcp.example.test/mcp' })
  t.equal(await withHost(server.url, 'mcp.example.test'), 401, 'the public name reaches the endpoint (and its token check)')
  t.equal(await withHost(server.url, 'evil.example.test'), 403, 'another name is refused (DNS rebinding protection)')
})

t.test('the explicit opt-in starts, with a warning', async (t) => {
  const server = await startServer(t, { HOST: '0.0.0.0', MCP_ALLOW_UNAUTHENTICATED_PUBLIC: '1', MCP_ALLOWED_HOSTS: '*' })
  t.ok(server.logs.some((line) => /with no authentication/.test(line) && /"level":40/.test(line)), 'a warning is logged')
})

t.test('loopback needs no configuration', async (t) => {
  const server = await startServer(t, {})
  t.equal((await fetch(new URL('/health', server.url))).status, 200)
})
