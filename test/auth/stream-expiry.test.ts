/**
 * HTTP streams that outlive their token: a legacy GET stream and a
 * `subscriptions/listen` stream are cut when the token they were opened with
 * expires (a stream opened with a longer-lived token stays open).
 */
import t from 'tap'
import { LEGACY_VERSION, modernEnvelope, modernHeaders, rawPost, startTestServer } from '@mcp-platform/server/testing'
import { checkLogs, claims, hs256, ISSUER, logCapture, now, RESOURCE_ORIGIN, SECRET } from './helpers.ts'

const RESOURCE = `${RESOURCE_ORIGIN}/mcp`

/** Resolves with how long the response body stayed open (ms), or 'open' if still open after `limitMs`. */
async function openFor (response: Response, limitMs: number): Promise<number | 'open'> {
  const started = Date.now()
  const reader = response.body!.getReader()
  const done = (async () => {
    try { while (!(await reader.read()).done); } catch {}
    return Date.now() - started
  })()
  const timeout = new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), limitMs))
  const result = await Promise.race([done, timeout])
  if (result === 'open') await reader.cancel().catch(() => {})
  return result
}

t.test('long-lived HTTP streams end when their token expires', async (t) => {
  const logs = logCapture()
  const { url } = await startTestServer(t, { jwtSecret: SECRET, publicUrl: RESOURCE, auth: { issuer: ISSUER }, logLevel: 'debug' }, { logStream: logs.stream })
  const shortLived = hs256(claims(RESOURCE, { exp: now() + 2 }))
  const longLived = hs256(claims(RESOURCE, { exp: now() + 600 }))
  logs.secrets.add(shortLived).add(longLived)

  t.test('a subscriptions/listen stream', async (t) => {
    const listen = (token: string) => fetch(url, {
      method: 'POST',
      headers: { ...modernHeaders('subscriptions/listen'), authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: modernEnvelope() } })
    })
    const [short, long] = await Promise.all([listen(shortLived), listen(longLived)])
    t.equal(short.status, 200)
    const [shortOpen, longOpen] = await Promise.all([openFor(short, 8000), openFor(long, 5000)])
    t.type(shortOpen, 'number', 'the stream of the expiring token ended')
    t.ok(typeof shortOpen === 'number' && shortOpen < 8000)
    t.equal(longOpen, 'open', 'the other one did not')
  })

  t.test('a legacy GET stream', async (t) => {
    const headers = { 'mcp-protocol-version': LEGACY_VERSION, authorization: `Bearer ${shortLived}` }
    const init = await rawPost(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 't', version: '1' } } }, headers)
    const session = init.headers.get('mcp-session-id')!
    await rawPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...headers, 'mcp-session-id': session })
    const stream = await fetch(url, { headers: { ...headers, accept: 'text/event-stream', 'mcp-session-id': session } })
    t.equal(stream.status, 200)
    t.type(await openFor(stream, 8000), 'number', 'the GET stream ended at the expiry')
  })

  t.test('the expiry was logged, no token was', async (t) => {
    t.match(logs.text(), /HTTP stream closed: its access token expired/)
    checkLogs(t, logs)
  })
})
