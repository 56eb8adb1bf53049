#!/usr/bin/env node
/**
 * A local stand-in for an identity provider, for trying JWT auth without one
 * (docs/security.md): it makes an ES256 key pair, serves the public key as a
 * JWKS on 127.0.0.1, and signs access tokens for the claims you ask for.
 * Development only: anyone who can reach it can mint tokens.
 *
 *   node scripts/dev-jwks.mjs [--port 9000] [--aud http://127.0.0.1:3000/mcp]
 *   curl 'http://127.0.0.1:9000/token?sub=alice&scope=db:read'
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9000' },
    aud: { type: 'string', default: 'http://127.0.0.1:3000/mcp' },
    lifetime: { type: 'string', default: '3600' }
  }
})
const issuer = `http://127.0.0.1:${values.port}`
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const kid = randomUUID()
const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] })
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')

function token (sub, scope) {
  const now = Math.floor(Date.now() / 1000)
  const body = `${b64({ alg: 'ES256', typ: 'at+jwt', kid })}.${b64({ iss: issuer, aud: values.aud, sub, scope, iat: now, exp: now + Number(values.lifetime) })}`
  return `${body}.${sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

createServer((request, response) => {
  const url = new URL(request.url, issuer)
  if (url.pathname === '/jwks.json') {
    response.setHeader('content-type', 'application/json')
    return response.end(jwks)
  }
  if (url.pathname === '/token') {
    response.setHeader('content-type', 'text/plain')
    return response.end(`${token(url.searchParams.get('sub') ?? 'dev-user', url.searchParams.get('scope') ?? '')}\n`)
  }
  response.statusCode = 404
  response.end()
}).listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`JWKS:   ${issuer}/jwks.json\nissuer: ${issuer}\ntokens: curl '${issuer}/token?sub=alice&scope=db:read' (audience ${values.aud})\n`)
})
