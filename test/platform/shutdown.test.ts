/**
 * One shutdown path: calls in flight finish within the drain period however
 * long it is (Fastify's pluginTimeout does not cut it short), calls past it
 * are aborted with an answer, and `npm start` exits 0 after a clean drain.
 */
import { once } from 'node:events'
import t from 'tap'
import { buildApp } from '@mcp-platform/server'
import { startServer } from '../helpers/server-process.ts'
import slowTool from '../fixtures/slow-tool/index.ts'

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} }

function sleepCall (url: string, ms: number) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'sleep'
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sleep', arguments: { ms }, _meta: META } })
  }).then(async (res) => Object.assign(await res.json() as object, { connectionHeader: res.headers.get('connection') }))
}

async function listening (drainMs: number) {
  const app = await buildApp({
    logLevel: 'silent',
    stateSecret: 'shutdown-tests',
    plugins: [{ plugin: slowTool }],
    limits: { shutdownDrainMs: drainMs }
  }, { fastify: { pluginTimeout: 200 } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}/mcp` }
}

t.test('a call longer than pluginTimeout finishes within the drain period, and close resolves', async (t) => {
  const { app, url } = await listening(5000)
  const answer = sleepCall(url, 700)
  while (app.mcpCore.calls.size === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  await app.close()
  const message = await answer as any
  t.equal(message.result?.content[0].text, 'slept 700', 'the call in flight was answered')
  t.equal(message.connectionHeader, 'close', 'an answer finished during shutdown closes its keep-alive connection')
  t.equal(app.mcpCore.calls.size, 0)
})

t.test('a call past the drain period is aborted, answered, and close resolves', async (t) => {
  const { app, url } = await listening(100)
  const answer = sleepCall(url, 30_000)
  while (app.mcpCore.calls.size === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  await app.close()
  const message = await answer as any
  t.equal(message.result?.isError, true, 'an error result, not a dropped connection')
  t.match(message.result?.content[0].text, /cancelled \(the server is shutting down\)/)
})

t.test('drain() resolves when the last call ends, or says it did not', async (t) => {
  const { app, url } = await listening(1000)
  t.teardown(() => app.close())
  t.equal(await app.mcpCore.drain(10), true, 'nothing in flight: drained at once')
  const answer = sleepCall(url, 300)
  while (app.mcpCore.calls.size === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(await app.mcpCore.drain(20), false, 'still running after 20 ms')
  t.equal(await app.mcpCore.drain(10_000), true, 'resolved when the call ended')
  t.equal((await answer as any).result?.content[0].text, 'slept 300')
})

t.test('npm start: SIGINT during a call longer than Fastify\'s default pluginTimeout drains it and exits 0', async (t) => {
  const server = await startServer(t, { MCP_PLUGINS: './test/fixtures/slow-tool', MCP_SHUTDOWN_DRAIN_MS: '20000' })
  const { child, url } = server
  const answer = sleepCall(url, 10_500)
  await new Promise((resolve) => setTimeout(resolve, 300))
  child.kill('SIGINT')
  const [code] = await once(child, 'exit') as [number | null]
  t.equal((await answer as any).result?.content[0].text, 'slept 10500', 'the call was answered')
  t.equal(code, 0, 'a clean drain exits 0')
  t.notMatch(server.logs.join('\n'), /AVV_ERR_READY_TIMEOUT|did not start in time/, 'no plugin timeout')
})

t.test('while shutting down, every answer and refusal of the endpoint closes its keep-alive connection', async (t) => {
  const { app } = await listening(1000)
  t.teardown(() => app.close())
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'sleep' }
  const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 1 }, _meta: META } })
  const before = await app.inject({ method: 'POST', url: '/mcp', headers, payload: call })
  t.equal(before.statusCode, 200)
  t.not(before.headers.connection, 'close', 'before shutdown the connection is kept')

  app.mcpCore.beginShutdown()
  const answered = await app.inject({ method: 'POST', url: '/mcp', headers, payload: call })
  t.equal(answered.statusCode, 200)
  t.equal(answered.headers.connection, 'close', 'a call answered')
  const refused = await app.inject({ method: 'POST', url: '/mcp', headers: { ...headers, accept: 'text/html' }, payload: call })
  t.equal(refused.statusCode, 406)
  t.equal(refused.headers.connection, 'close', 'a refusal by the POST handler')
  const malformed = await app.inject({ method: 'POST', url: '/mcp', headers, payload: '{"jsonrpc":' })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.headers.connection, 'close', 'a parse error, answered by the error handler')
  const unknownSession = await app.inject({ method: 'DELETE', url: '/mcp', headers: { 'mcp-session-id': 'no-such-session' } })
  t.equal(unknownSession.statusCode, 404)
  t.equal(unknownSession.headers.connection, 'close', 'a DELETE of an unknown session')
})
