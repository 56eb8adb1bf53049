/**
 * The cost of the debug request line alone: RequestLog.requestEnded with a
 * pino logger at `debug` writing synchronously to /dev/null (as to a file),
 * per call, against the same logger at `info` (where the platform does not
 * add the observer at all; the call is shown as the floor). Alternating
 * batches, medians reported: the machine may be busy.
 *
 *   node bench/request-log.ts [--rounds 7] [--calls 100000]
 */
import pino from 'pino'
import { RequestLog } from '../apps/server/src/ops/request-log.ts'
import type { FinishedRequest } from '../apps/server/src/protocol/context.ts'
import { numberOption } from './options.ts'

const rounds = numberOption('rounds', 7)
const calls = numberOption('calls', 100_000)
const request: FinishedRequest = {
  method: 'tools/call',
  era: 'modern',
  transport: 'http',
  tool: 'calculate',
  outcome: 'ok',
  errorCode: undefined,
  durationMs: 0.4321,
  traceparent: undefined,
  tracestate: undefined
}
const destination = pino.destination({ dest: '/dev/null', sync: true })
const loggers = { debug: new RequestLog(pino({ level: 'debug' }, destination)), info: new RequestLog(pino({ level: 'info' }, destination)) }
const samples: Record<keyof typeof loggers, number[]> = { debug: [], info: [] }

for (let round = 0; round <= rounds; round++) {
  for (const level of ['info', 'debug'] as const) {
    const log = loggers[level]
    const started = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) log.requestEnded(request)
    const ns = Number(process.hrtime.bigint() - started) / calls
    if (round > 0) samples[level].push(ns) // round 0 warms up the JIT
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
console.log(`RequestLog.requestEnded, ${rounds} rounds of ${calls} calls, node ${process.version}`)
console.log('| logger level | ns per request (median) | rounds |')
console.log('|---|---:|---|')
for (const level of ['info', 'debug'] as const) console.log(`| ${level} | ${Math.round(median(samples[level]))} | ${samples[level].map(Math.round).join(' / ')} |`)
