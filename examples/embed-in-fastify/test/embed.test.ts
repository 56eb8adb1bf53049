/**
 * The shop keeps working as it did, and MCP works under its prefix: the
 * API's hook guards only the API, the platform's Origin/Host check only
 * the MCP endpoint, and a tool reads the shop's own decorator.
 */
import t from 'tap'
import { createInjectClient } from '@mcp-platform/server/testing'
import { buildShop } from '../src/app.ts'

t.test('the shop\'s own routes and hooks keep working', async (t) => {
  const app = await buildShop({ apiKey: 'k' })
  t.teardown(() => app.close())
  t.equal((await app.inject('/')).json().shop, 'open')
  t.equal((await app.inject('/api/orders')).statusCode, 401, 'the API hook still guards the API')
  const orders = await app.inject({ url: '/api/orders', headers: { 'x-api-key': 'k' } })
  t.equal(orders.statusCode, 200)
  t.equal(orders.json().length, 2)
  // The platform's DNS-rebinding check belongs to the MCP endpoint, not to the shop.
  t.equal((await app.inject({ url: '/api/orders', headers: { 'x-api-key': 'k', host: 'shop.example', origin: 'https://evil.example' } })).statusCode, 200)
})

t.test('MCP under /ai: tools of two plugins, without the API\'s hook', async (t) => {
  const app = await buildShop({ apiKey: 'k' })
  t.teardown(() => app.close())
  const mcp = createInjectClient(app, { path: '/ai/mcp' })
  const tools = await mcp.listTools()
  t.same(tools.tools.map((tool: { name: string }) => tool.name), ['calculate', 'order_status'])
  t.equal((await mcp.callTool('calculate', { expression: '6 * 7' })).structuredContent.result, 42)
  t.same((await mcp.callTool('order_status', { id: 'A-1' })).structuredContent, { item: 'teapot', quantity: 2 }, 'a tool reads the shop\'s decorator')
  const missing = await mcp.callTool('order_status', { id: 'Z-9' })
  t.equal(missing.isError, true)
  t.match(missing.content[0].text, /No order "Z-9"/)
  t.equal((await app.inject('/ai/health')).json().tools, 2, 'health is under the prefix too')
  t.equal((await app.inject({ method: 'POST', url: '/mcp', payload: {} })).statusCode, 404, 'nothing is served outside the prefix')
  const rebinding = await app.inject({ method: 'POST', url: '/ai/mcp', headers: { host: 'evil.example', 'content-type': 'application/json' }, payload: {} })
  t.equal(rebinding.statusCode, 403, 'the MCP endpoint keeps its Host check')
})
