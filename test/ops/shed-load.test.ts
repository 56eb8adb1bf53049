/**
 * Load shedding: after the event loop was blocked far past
 * `maxEventLoopDelayMs`, MCP requests get 503 with Retry-After and a
 * JSON-RPC error that says the server is overloaded, while /health still
 * answers; once the loop is quiet again, requests are served.
 */
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { buildTestApp, modernEnvelope, modernHeaders } from '../../apps/server/src/testing/index.ts'

const spinner: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'spin',
    description: 'Blocks the event loop for 600 ms (a tool that spins)',
    handler: () => {
      const until = Date.now() + 600
      while (Date.now() < until) { /* spinning on purpose */ }
      return 'spun'
    }
  })
}

t.test('an overloaded instance sheds load with 503, and recovers', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin: spinner, name: 'spinner' }], limits: { maxEventLoopDelayMs: 100 } })
  const call = (name: string) => app.inject({
    method: 'POST',
    url: '/mcp',
    headers: modernHeaders('tools/call', { name }),
    payload: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {}, _meta: modernEnvelope() } }
  })
  t.equal((await call('spin')).statusCode, 200, 'the spinning tool answers')
  let shed: Awaited<ReturnType<typeof call>> | undefined
  let health = 0
  // under-pressure samples the loop delay once a second: ask until it has seen the spin.
  for (let i = 0; i < 40 && shed === undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const res = await call('spin-not-really')
    if (res.statusCode === 503) {
      shed = res
      health = (await app.inject({ url: '/health' })).statusCode
    }
  }
  t.ok(shed, 'a request after the spin is refused')
  t.equal(shed?.headers['retry-after'], '5', 'retryable')
  t.match(shed?.json(), { error: { code: -32603, message: /overloaded.*retry in a few seconds/ } })
  t.equal(health, 200, '/health still answers while load is shed')
  let served = 0
  for (let i = 0; i < 60 && served === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    if ((await app.inject({ method: 'POST', url: '/mcp', headers: modernHeaders('tools/list'), payload: { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: modernEnvelope() } } })).statusCode === 200) served++
  }
  t.equal(served, 1, 'served again once the loop is quiet')
})
