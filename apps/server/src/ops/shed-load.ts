/**
 * An overloaded instance sheds load before it falls over
 * (@fastify/under-pressure): while the event loop lags more than
 * `maxEventLoopDelayMs`, requests are refused with 503, `Retry-After` and a
 * JSON-RPC error a client can act on (the balancer sends the retry
 * elsewhere). Liveness and readiness still answer: an instance that is busy
 * is not dead, and its readiness says what it says.
 */
import underPressure from '@fastify/under-pressure'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'

const shedLoadPlugin: FastifyPluginAsync<{ maxEventLoopDelayMs: number, spared?: string[] }> = async (app, { maxEventLoopDelayMs, spared = ['/health', '/ready'] }) => {
  let refused = 0
  let lastWarnAt = 0
  let readyAt = Date.now()
  const sampleInterval = Math.min(1000, Math.max(100, maxEventLoopDelayMs))
  const startGraceMs = 2 * sampleInterval
  app.addHook('onReady', async () => { readyAt = Date.now() })
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    // The delay is a mean over each sample: a window about as long as the limit catches a stall that long.
    sampleInterval,
    retryAfter: 5,
    pressureHandler: (request, reply, _type, value) => {
      const path = request.url.split('?')[0]
      if (spared.includes(path)) return
      // Infinity is under-pressure's word for "no sample in the last interval". Right after the server is
      // ready that interval covered loading the plugins, not serving: no reason to refuse anyone.
      if (!Number.isFinite(Number(value)) && Date.now() - readyAt < startGraceMs) return
      refused++
      const now = Date.now()
      if (now - lastWarnAt >= 10_000) {
        request.log.warn({ eventLoopDelayMs: Math.round(Number(value)), limitMs: maxEventLoopDelayMs, refused }, 'overloaded: shedding load')
        lastWarnAt = now
        refused = 0
      }
      void reply.code(503).header('retry-after', '5').send({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32603, message: `The server is overloaded (its event loop lags ${Math.round(Number(value))} ms, over ${maxEventLoopDelayMs} ms); retry in a few seconds`, data: { retryAfterMs: 5000 } }
      })
    }
  })
}

/** Not encapsulated: its check must run before every route of the server. */
export const shedLoad = fp(shedLoadPlugin, { name: 'mcp-shed-load' })
