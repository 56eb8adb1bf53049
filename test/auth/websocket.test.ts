/**
 * WebSocket and auth: the token is checked at the upgrade (Authorization, or
 * `bearer.<token>` offered beside `mcp` in Sec-WebSocket-Protocol, never
 * echoed back); a connection whose token expires answers what is in flight,
 * refuses new requests, then closes with 1008.
 */
import t from 'tap'
import WebSocket from 'ws'
import { modernEnvelope, startTestServer } from '@mcp-platform/server/testing'
import { RawClient, waitPlugin, type Probe } from '../websocket/helpers.ts'
import { checkLogs, claims, hs256, ISSUER, logCapture, now, RESOURCE_ORIGIN, SECRET } from './helpers.ts'

const RESOURCE = `${RESOURCE_ORIGIN}/mcp`

/** The HTTP status and headers of a refused upgrade, or 101. */
async function upgrade (url: string, protocols: string[], headers: Record<string, string> = {}): Promise<{ status: number, headers: Record<string, unknown>, protocol?: string }> {
  return await new Promise((resolve) => {
    const socket = new WebSocket(url, protocols, { headers })
    socket.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, headers: response.headers })
      response.resume()
      socket.terminate()
    })
    socket.on('open', () => { resolve({ status: 101, headers: {}, protocol: socket.protocol }); socket.close() })
    socket.on('error', () => {})
  })
}

t.test('WebSocket upgrades and token expiry', async (t) => {
  const logs = logCapture()
  const probe: Probe = { started: 0, finished: 0, aborted: [] }
  const { wsUrl } = await startTestServer(t, {
    jwtSecret: SECRET,
    publicUrl: RESOURCE,
    logLevel: 'debug',
    auth: { issuer: ISSUER },
    plugins: [waitPlugin(probe)]
  }, { logStream: logs.stream })
  const good = hs256(claims(RESOURCE))
  logs.secrets.add(good)

  t.test('refused upgrades: 401 with a challenge', async (t) => {
    const expired = hs256(claims(RESOURCE, { iat: now() - 600, exp: now() - 100 }))
    const wrongAudience = hs256(claims('https://other.example.test/mcp'))
    logs.secrets.add(expired).add(wrongAudience)
    const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
      ['no token', ['mcp'], {}, /^Bearer resource_metadata="[^"]+"$/],
      ['an expired token', ['mcp'], { authorization: `Bearer ${expired}` }, /error="invalid_token"/],
      ['a wrong audience in the subprotocol', ['mcp', `bearer.${wrongAudience}`], {}, /error="invalid_token"/],
      ['Basic auth', ['mcp'], { authorization: 'Basic dXNlcjpwYXNz' }, /^Bearer resource_metadata/]
    ]
    for (const [what, protocols, headers, challenge] of cases) {
      const answer = await upgrade(wsUrl, protocols, headers)
      t.equal(answer.status, 401, what)
      t.match(answer.headers['www-authenticate'], challenge, what)
    }
    const inQuery = await upgrade(`${wsUrl}?access_token=${good}`, ['mcp'])
    t.equal(inQuery.status, 400, 'a token in the URL: 400')
  })

  t.test('a token in the Authorization header or as a subprotocol opens it; the token is never echoed', async (t) => {
    const byHeader = await upgrade(wsUrl, ['mcp'], { authorization: `Bearer ${good}` })
    t.equal(byHeader.status, 101)
    const bySubprotocol = await upgrade(wsUrl, ['mcp', `bearer.${good}`])
    t.equal(bySubprotocol.status, 101)
    t.equal(bySubprotocol.protocol, 'mcp', 'the selected subprotocol is mcp, not the token')
    const client = await RawClient.connect(t, wsUrl, { protocols: [`bearer.${good}`, 'mcp'] })
    const answer = await client.request('tools/call', { name: 'wait', arguments: { ms: 0, value: 'hi' }, _meta: modernEnvelope() })
    t.equal(answer.result.content[0].text, 'hi', 'modern requests are served')
    await client.initialize()
    const legacy = await client.request('tools/call', { name: 'wait', arguments: { ms: 0, value: 'legacy' } })
    t.equal(legacy.result.content[0].text, 'legacy', 'legacy requests are served')
    client.close()
  })

  t.test('a token expiring mid-connection: in-flight answered, new requests refused, then 1008', async (t) => {
    const shortLived = hs256(claims(RESOURCE, { exp: now() + 2 }))
    logs.secrets.add(shortLived)
    const client = await RawClient.connect(t, wsUrl, { headers: { authorization: `Bearer ${shortLived}` } })
    const first = await client.request('tools/call', { name: 'wait', arguments: { ms: 0, value: 'before' }, _meta: modernEnvelope() })
    t.equal(first.result.content[0].text, 'before')
    // Runs across the expiry (at most 2 s away): it is answered, not cut off.
    const long = client.request('tools/call', { name: 'wait', arguments: { ms: 4000, value: 'in flight' }, _meta: modernEnvelope() })
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const late = await client.request('tools/call', { name: 'wait', arguments: { ms: 0 }, _meta: modernEnvelope() })
    t.match(late.error?.message, /expired/, 'a request after the expiry is refused')
    t.equal(late.error?.code, -32600)
    t.equal((await long).result.content[0].text, 'in flight', 'the call in flight was answered')
    const closed = await client.closed
    t.equal(closed.code, 1008)
    t.match(closed.reason, /expired/)
  })

  t.test('no credential reached the logs', async (t) => { checkLogs(t, logs) })
})
