/**
 * A shop's existing Fastify app: a JSON API under /api guarded by its own
 * API-key hook, and an `orders` decorator. MCP joins it under /ai with two
 * lines (the platform, then the tool plugins), and a tool plugin of the shop
 * reads the app's own decorator. The API's hook guards only the API: it is
 * registered in the API's encapsulated context, as Fastify intends.
 */
import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import calculator from '@mcp-platform/calculator'
import { mcpPlatform, ToolError } from '@mcp-platform/server'

export interface Order { id: string, item: string, quantity: number }

declare module 'fastify' {
  interface FastifyInstance {
    orders: Map<string, Order>
  }
}

/** The shop's own API, with a hook of its own. */
const api: FastifyPluginAsync<{ apiKey: string }> = async (app, { apiKey }) => {
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers['x-api-key'] !== apiKey) return await reply.code(401).send({ error: 'send x-api-key' })
  })
  app.get('/orders', async () => [...app.orders.values()])
  app.get('/orders/:id', async (request, reply) => {
    const order = app.orders.get((request.params as { id: string }).id)
    return order ?? reply.code(404).send({ error: 'no such order' })
  })
}

/** A tool plugin of the shop: it sees the app's decorators like any Fastify plugin. */
const orderTools: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'order_status',
    description: 'The item and quantity of an order, by its id (e.g. "A-1")',
    input: Type.Object({ id: Type.String({ minLength: 1 }) }),
    output: Type.Object({ item: Type.String(), quantity: Type.Integer() }),
    async handler ({ id }) {
      const order = app.orders.get(id)
      if (order === undefined) throw new ToolError(`No order "${id}"; ids look like "A-1"`)
      return { text: `${order.quantity} × ${order.item}`, structuredContent: { item: order.item, quantity: order.quantity } }
    }
  })
}

export async function buildShop (options: { apiKey: string, logger?: boolean } = { apiKey: 'dev-key' }): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false })
  app.decorate('orders', new Map<string, Order>([
    ['A-1', { id: 'A-1', item: 'teapot', quantity: 2 }],
    ['A-2', { id: 'A-2', item: 'kettle', quantity: 1 }]
  ]))
  app.get('/', async () => ({ shop: 'open' }))
  await app.register(api, { prefix: '/api', apiKey: options.apiKey })

  // MCP, under /ai: the platform, then the tool plugins (each stays encapsulated).
  await app.register(async (ai) => {
    await ai.register(mcpPlatform, { serverInfo: { name: 'shop', version: '1.0.0' } })
    await ai.register(calculator)
    await ai.register(orderTools)
  }, { prefix: '/ai' })
  return app
}
