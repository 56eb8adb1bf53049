/** `npm start -w @mcp-platform/example-embed-in-fastify`: the shop on http://127.0.0.1:3100 (MCP at /ai/mcp). */
import { buildShop } from './app.ts'

const app = await buildShop({ apiKey: process.env.SHOP_API_KEY ?? 'dev-key', logger: true })
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3100) })
