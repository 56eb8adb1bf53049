/**
 * This platform: buildApp with the calculator plugin, as `npm start` builds it.
 * BENCH_LOG_LEVEL=debug (bench/http.ts --request-log): the per-request debug
 * line is on, written to /dev/null as pino writes to a file (synchronously).
 */
import pino from 'pino'
import { buildApp } from '../../apps/server/src/app.ts'
import calculator from '../../plugins/calculator/src/index.ts'

const logLevel = process.env.BENCH_LOG_LEVEL === 'debug' ? 'debug' : 'warn'
const logStream = logLevel === 'debug' ? pino.destination({ dest: '/dev/null', sync: true }) as unknown as NodeJS.WritableStream : undefined
const app = await buildApp({ logLevel, plugins: [{ plugin: calculator }], stateSecret: 'bench' }, { logStream })
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`READY ${(app.server.address() as { port: number }).port}\n`)
process.on('SIGINT', () => process.exit(0))
