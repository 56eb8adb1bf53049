/**
 * This platform with authentication, for bench/auth.ts: BENCH_AUTH=none,
 * hs256 or jwks (ES256 keys from a JWKS served by this process). Besides the
 * calculator, 40 tools of which half need a scope, so tools/list filters.
 * Rate limits are off (the benchmark measures the checks, not refusals).
 * Prints `READY <port> <token>`.
 */
import { generateKeyPairSync, sign } from 'node:crypto'
import { createServer } from 'node:http'
import { buildApp } from '../../apps/server/src/app.ts'
import calculator from '../../plugins/calculator/src/index.ts'

const mode = process.env.BENCH_AUTH ?? 'none'
const secret = 'a-bench-secret-that-is-at-least-32-characters'
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })

let jwksUrl: string | undefined
if (mode === 'jwks') {
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'ES256' }] })
  const keys = createServer((_request, response) => { response.setHeader('content-type', 'application/json'); response.end(jwks) })
  await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve))
  jwksUrl = `http://127.0.0.1:${(keys.address() as { port: number }).port}/jwks.json`
}

const resource = 'http://127.0.0.1/mcp'
const issuer = 'https://issuer.bench'
const app = await buildApp({
  logLevel: 'warn',
  stateSecret: 'bench',
  publicUrl: mode === 'none' ? undefined : resource,
  jwtSecret: mode === 'hs256' ? secret : undefined,
  auth: mode === 'jwks' ? { jwksUrl, issuer } : mode === 'hs256' ? { issuer } : {},
  limits: { rateLimitPerMinute: 0, rateLimitIpPerMinute: 0 },
  plugins: [{ plugin: calculator }, {
    plugin: async (app) => {
      for (let i = 0; i < 40; i++) {
        app.mcp.tool({ name: `tool_${i}`, description: `tool ${i}`, ...(i % 2 === 0 ? { scopes: ['bench:extra'] } : {}), handler: () => 'ok' })
      }
    }
  }]
})
await app.listen({ port: 0, host: '127.0.0.1' })

const now = Math.floor(Date.now() / 1000)
const payload = b64({ sub: 'bench', iss: issuer, aud: resource, iat: now, exp: now + 3600, scope: 'bench:read' })
let token = ''
if (mode === 'hs256') {
  const { createHmac } = await import('node:crypto')
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${payload}`
  token = `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
} else if (mode === 'jwks') {
  const body = `${b64({ alg: 'ES256', typ: 'JWT', kid: 'bench' })}.${payload}`
  token = `${body}.${sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}
process.stdout.write(`READY ${(app.server.address() as { port: number }).port} ${token || '-'}\n`)
process.on('SIGINT', () => process.exit(0))
