/** This platform: buildApp with the calculator plugin, as `npm start` builds it. */
import { buildApp } from '../../apps/server/src/app.ts'
import calculator from '../../plugins/calculator/src/index.ts'

const app = await buildApp({ logLevel: 'warn', plugins: [{ plugin: calculator }], stateSecret: 'bench' })
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`READY ${(app.server.address() as { port: number }).port}\n`)
process.on('SIGINT', () => process.exit(0))
