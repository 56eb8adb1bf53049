/**
 * This platform, built as `npm start` builds it (buildApp: origin and host
 * checks, security headers, load shedding, metrics, every budget at its
 * default) with the calculator plugin and the benchmark's `constant`, `count`
 * and filler tools. BENCH_MEMORY=1 adds `GET /bench/memory` (a full GC, then
 * process.memoryUsage()) and lifts the per-client session and stream caps so
 * that one load generator can open thousands. BENCH_LOG_LEVEL=debug turns on
 * the per-request debug line, written to /dev/null as pino writes to a file
 * (synchronously), to measure what it costs. BENCH_NO_SHED=1 turns load
 * shedding off (bench/features.ts measures what it costs).
 */
import { writeHeapSnapshot } from 'node:v8'
import { Type } from '@sinclair/typebox'
import pino from 'pino'
import { buildApp } from '../../apps/server/src/app.ts'
import calculator from '../../plugins/calculator/src/index.ts'
import { ANSWER, FILLER_TOOLS, PROGRESS_STEPS, ready } from './catalog.ts'

const memory = process.env.BENCH_MEMORY === '1'
const logLevel = process.env.BENCH_LOG_LEVEL === 'debug' ? 'debug' : 'warn'
const logStream = logLevel === 'debug' ? pino.destination({ dest: '/dev/null', sync: true }) as unknown as NodeJS.WritableStream : undefined
const app = await buildApp({
  logLevel,
  stateSecret: 'bench',
  limits: {
    ...(memory ? { maxSessions: 100_000, maxSessionsPerClient: 100_000, maxStreams: 100_000, maxStreamsPerClient: 100_000 } : {}),
    ...(process.env.BENCH_NO_SHED === '1' ? { maxEventLoopDelayMs: 0 } : {})
  },
  plugins: [{ plugin: calculator }, {
    plugin: async (app) => {
      // The calculator's schemas with a handler that answers what the bare route answers (no evaluator): what the platform
      // costs on a tool that does nothing. Not with the filler tools: tools/list must list as many tools as the others.
      if (FILLER_TOOLS.length === 0) {
        app.mcp.tool({
          name: 'constant',
          description: 'Answers 5 whatever the expression',
          input: Type.Object({ expression: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
          output: Type.Object({ result: Type.Number() }),
          handler: () => ({ text: String(ANSWER), structuredContent: { result: ANSWER } })
        })
      }
      app.mcp.tool({
        name: 'count',
        description: 'Counts with progress',
        input: Type.Object({}),
        async handler (_args, ctx) {
          for (let step = 1; step <= PROGRESS_STEPS; step++) ctx.progress(step, PROGRESS_STEPS)
          return 'counted'
        }
      })
      if (memory) {
        app.get('/bench/memory', async (request) => {
          globalThis.gc?.()
          // ?snapshot=<file>: also a heap snapshot, to see what the memory is.
          const file = (request.query as { snapshot?: string }).snapshot
          if (file !== undefined) writeHeapSnapshot(file)
          return process.memoryUsage()
        })
      }
      for (const tool of FILLER_TOOLS) {
        app.mcp.tool({ ...tool, input: Type.Object({ text: Type.String() }), handler: ({ text }) => text })
      }
    }
  }]
}, { logStream })
await app.listen({ port: 0, host: '127.0.0.1' })
ready((app.server.address() as { port: number }).port)
