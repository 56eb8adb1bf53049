/**
 * What the auth tests share: signing tokens (HS256 by hand, RS256/ES256/EdDSA
 * with node:crypto keys), a local JWKS server whose keys can rotate, and a log
 * capture that checks no credential the test used ever reached the logs.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { Writable } from 'node:stream'
import type { Test } from 'tap'

export const SECRET = 'a-test-secret-that-is-at-least-32-chars'
export const RESOURCE_ORIGIN = 'https://mcp.example.test'
export const ISSUER = 'https://issuer.example.test'

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
export const now = () => Math.floor(Date.now() / 1000)

/** Claims that pass for `audience`, unless overridden. */
export function claims (audience: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: 'alice', iss: ISSUER, aud: audience, iat: now(), exp: now() + 300, ...extra }
}

export function hs256 (payload: Record<string, unknown>, secret = SECRET, header: Record<string, unknown> = {}): string {
  const body = `${b64({ alg: 'HS256', typ: 'JWT', ...header })}.${b64(payload)}`
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
}

export function unsigned (payload: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`
}

export interface SigningKey {
  kid: string
  alg: 'RS256' | 'ES256' | 'EdDSA'
  privateKey: KeyObject
  jwk: Record<string, unknown>
  sign (payload: Record<string, unknown>, header?: Record<string, unknown>): string
}

export function signingKey (kid: string, alg: SigningKey['alg'] = 'RS256'): SigningKey {
  const pair = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' }
  return {
    kid,
    alg,
    privateKey: pair.privateKey,
    jwk,
    sign (payload, header = {}) {
      const body = `${b64({ alg, typ: 'JWT', kid, ...header })}.${b64(payload)}`
      const signature = alg === 'RS256'
        ? sign('sha256', Buffer.from(body), pair.privateKey)
        : alg === 'ES256'
          ? sign('sha256', Buffer.from(body), { key: pair.privateKey, dsaEncoding: 'ieee-p1363' })
          : sign(null, Buffer.from(body), pair.privateKey)
      return `${body}.${signature.toString('base64url')}`
    }
  }
}

export interface JwksServer {
  url: string
  /** The keys served now (replace to rotate). */
  keys: SigningKey[]
  /** Requests the server answered. */
  requests: number
  server: Server
}

export async function startJwks (t: Test, keys: SigningKey[]): Promise<JwksServer> {
  const state: JwksServer = { url: '', keys, requests: 0, server: createServer() }
  state.server.on('request', (_request, response) => {
    state.requests++
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ keys: state.keys.map((key) => key.jwk) }))
  })
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve))
  const address = state.server.address() as { port: number }
  state.url = `http://127.0.0.1:${address.port}/keys.json`
  t.teardown(() => { state.server.closeAllConnections(); state.server.close() })
  return state
}

/** A log stream for buildApp, and the credentials a test sent (checked by `checkLogs`). */
export function logCapture (): { stream: Writable, secrets: Set<string>, text: () => string } {
  let logs = ''
  const secrets = new Set<string>()
  const stream = new Writable({ write (chunk, _encoding, done) { logs += chunk.toString(); done() } })
  return { stream, secrets, text: () => logs }
}

/** No token, key or subprotocol value a test sent appears in its logs (nor a token's signature alone). */
export function checkLogs (t: Test, capture: ReturnType<typeof logCapture>): void {
  const logs = capture.text()
  t.ok(logs.length > 0, 'something was logged')
  t.ok(capture.secrets.size > 0, 'credentials were sent')
  const leaked = [...capture.secrets].filter((secret) => {
    const signature = secret.split('.')[2]
    return logs.includes(secret) || (signature !== undefined && signature.length > 10 && logs.includes(signature))
  })
  t.same(leaked, [], 'no credential in the logs')
}
