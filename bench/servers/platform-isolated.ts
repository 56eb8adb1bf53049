/**
 * This platform with the calculator loaded as `ISOLATE` says: `none`
 * (in-process, as `npm start` loads it), `worker` or `process`; `CONCURRENCY`
 * sets the plugin's `limits.concurrency` (workers, or calls at once in the process).
 */
import { buildApp } from '../../apps/server/src/app.ts'

const isolate = process.env.ISOLATE ?? 'none'
const concurrency = process.env.CONCURRENCY === undefined ? undefined : Number(process.env.CONCURRENCY)
const entry = isolate === 'none'
  ? { module: '@mcp-platform/calculator' }
  : { module: '@mcp-platform/calculator', isolate: isolate as 'worker' | 'process', ...(concurrency !== undefined ? { limits: { concurrency } } : {}) }
const app = await buildApp({ logLevel: 'warn', plugins: [entry], stateSecret: 'bench', limits: { toolQueueMax: 1000 } })
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`READY ${(app.server.address() as { port: number }).port}\n`)
process.on('SIGINT', () => process.exit(0))
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
