/**
 * Backpressure: a client that does not read what it is sent must not make the
 * server buffer without limit. Above wsMaxBufferedBytes of unsent data the
 * server stops reading from that socket; when as much again piles up while it
 * is paused (calls already running keep producing), the connection is closed
 * with 1008 and its calls cancelled. A reader that catches up is resumed.
 *
 * The server-side socket's `writableLength` is what `ws` reports as
 * `bufferedAmount` (no compression): the bytes the server holds in memory for
 * that client.
 */
import type { Socket } from 'node:net'
import { setImmediate as tick } from 'node:timers/promises'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import calculator from '../../plugins/calculator/src/index.ts'
import { modernEnvelope, startTestServer, until } from '@mcp-platform/server/testing'
import { RawClient } from './helpers.ts'

const LIMIT = 64 * 1024
const CHUNK = 4 * 1024

interface Flood { sent: number, peak: number, pausedSeen: boolean, done: boolean, aborted: boolean }

/** A tool that sends progress notifications of CHUNK bytes as fast as it can, measuring the server's buffer. */
function floodPlugin (sockets: Socket[], flood: Flood) {
  return {
    plugin: async (app: FastifyInstance) => {
      app.mcp.tool({
        name: 'flood',
        description: 'Sends progress notifications as fast as it can',
        input: Type.Object({ count: Type.Integer(), stopWhenPaused: Type.Optional(Type.Boolean()) }),
        async handler ({ count, stopWhenPaused }, ctx) {
          const socket = sockets[0]
          const chunk = 'x'.repeat(CHUNK)
          try {
            for (let i = 1; i <= count && !ctx.signal.aborted; i++) {
              ctx.progress(i, count, chunk)
              flood.sent += CHUNK
              flood.peak = Math.max(flood.peak, socket.writableLength)
              if (socket.isPaused()) {
                flood.pausedSeen = true
                if (stopWhenPaused === true) return `stopped after ${i}`
              }
              if (i % 8 === 0) await tick()
            }
            return 'flooded'
          } finally {
            flood.aborted = ctx.signal.aborted
            flood.done = true
          }
        }
      })
    }
  }
}

async function setup (t: Test) {
  const sockets: Socket[] = []
  const flood: Flood = { sent: 0, peak: 0, pausedSeen: false, done: false, aborted: false }
  const started = await startTestServer(t, {
    plugins: [{ plugin: calculator }, floodPlugin(sockets, flood)],
    limits: { wsMaxBufferedBytes: LIMIT, wsPingIntervalMs: 0, wsIdleTimeoutMs: 0 }
  })
  started.app.server.on('upgrade', (_request, socket) => { sockets.push(socket as Socket) })
  return { ...started, sockets, flood }
}

t.test('a client that stops reading: the server pauses it, then closes it with 1008; memory stays bounded', async (t) => {
  const { app, wsUrl, flood } = await setup(t)
  const slow = await RawClient.connect(t, wsUrl)
  const other = await RawClient.connect(t, wsUrl)

  slow.sendJson({ jsonrpc: '2.0', id: 'flood', method: 'tools/call', params: { name: 'flood', arguments: { count: 100_000 }, _meta: modernEnvelope({}, { progressToken: 'p' }) } })
  slow.ws.pause() // the client stops reading its socket

  await until(() => flood.pausedSeen)
  const meanwhile = await other.request('tools/call', { name: 'calculate', arguments: { expression: '6 * 7' }, _meta: modernEnvelope() })
  t.same(meanwhile.result?.structuredContent, { result: 42 }, 'other connections are served while one is paused')

  await until(() => flood.done)
  t.ok(flood.aborted, 'the call was cancelled when the server gave up on the connection')
  t.ok(flood.sent > 1024 * 1024, `the tool produced ${flood.sent} bytes (more than the kernel buffers and the limit)`)
  const bound = 2 * LIMIT + 2 * (CHUNK + 200)
  t.ok(flood.peak <= bound, `the server held at most ${flood.peak} bytes for the client (bound ${bound})`)
  t.equal(app.mcpCore.calls.size, 0, 'nothing left in flight')

  slow.ws.resume()
  const closed = await slow.closed
  t.same(closed, { code: 1008, reason: 'slow reader: too much unread data' }, 'the client learns why once it reads again')
  t.notOk(slow.messages.some((m) => m.id === 'flood'), 'no result for the cancelled call')

  const after = await other.request('tools/call', { name: 'calculate', arguments: { expression: '1 + 1' }, _meta: modernEnvelope() })
  t.same(after.result?.structuredContent, { result: 2 }, 'the server goes on serving')
})

t.test('a reader that catches up is resumed, not closed', async (t) => {
  const { wsUrl, flood, sockets } = await setup(t)
  const slow = await RawClient.connect(t, wsUrl)
  slow.sendJson({ jsonrpc: '2.0', id: 'flood', method: 'tools/call', params: { name: 'flood', arguments: { count: 100_000, stopWhenPaused: true }, _meta: modernEnvelope({}, { progressToken: 'p' }) } })
  slow.ws.pause()
  await until(() => flood.done)
  t.ok(flood.pausedSeen && !flood.aborted, 'the server paused reading; the call was not cancelled')
  t.ok(sockets[0].isPaused(), 'reading stays paused while the client does not read')

  slow.ws.resume()
  const result = await slow.next((m) => m.id === 'flood')
  t.match(result.result?.content[0].text, /^stopped after \d+$/, 'every message, then the result, arrive in order')
  const progress = slow.messages.filter((m) => m.method === 'notifications/progress')
  t.equal(progress.length, Number(/\d+/.exec(result.result.content[0].text)![0]), 'no notification was dropped')
  await until(() => !sockets[0].isPaused())
  const next = await slow.request('tools/call', { name: 'calculate', arguments: { expression: '2 ^ 10' }, _meta: modernEnvelope() })
  t.same(next.result?.structuredContent, { result: 1024 }, 'the server reads from the connection again')
  t.equal(slow.ws.readyState, 1, 'still open')
})
