/**
 * What the host says and does for in-process handlers (issue 13): a timed-out
 * handler is reported as stopped only if it ended when its signal aborted,
 * abandoned if it did not, and a handler that blocks the event loop past its
 * limit fails instead of succeeding late; per-tool concurrency caps queue
 * calls (bounded) and refuse the rest with a tool error.
 */
import { Type } from '@sinclair/typebox'
import t from 'tap'
import type { FastifyPluginAsync } from 'fastify'
import { buildTestApp, createInjectClient, deferred } from '../../apps/server/src/testing/index.ts'
import { gateOf } from '../../apps/server/src/protocol/concurrency.ts'

// The host's time-limit timers do not hold the process open (a server's sockets do): with app.inject() nothing else would.
const keepAlive = setInterval(() => {}, 1000)
t.teardown(() => { clearInterval(keepAlive) })

const busyFor = (ms: number): void => {
  const end = Date.now() + ms
  while (Date.now() < end);
}

const timeouts: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'honors_signal',
    description: 'Waits until its signal aborts, then ends',
    timeoutMs: 100,
    handler: async (_args, ctx) => await new Promise<string>((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => { reject(ctx.signal.reason) }, { once: true })
    })
  })
  app.mcp.tool({
    name: 'ignores_signal',
    description: 'Waits 2 s whatever happens',
    timeoutMs: 100,
    handler: async () => { await new Promise((resolve) => setTimeout(resolve, 2000)); return 'late' }
  })
  app.mcp.tool({
    name: 'blocks_sync',
    description: 'Busy for 400 ms before it returns',
    timeoutMs: 100,
    handler: () => { busyFor(400); return 'done' }
  })
  app.mcp.tool({
    name: 'blocks_after_await',
    description: 'Awaits, then busy for 400 ms',
    timeoutMs: 100,
    handler: async () => { await Promise.resolve(); busyFor(400); return 'done' }
  })
}

t.test('time limits: stopped, abandoned, or not stopped, as it really happened', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin: timeouts }] })
  const client = createInjectClient(app)
  const text = async (name: string) => (await client.callTool(name)).content[0].text as string
  t.equal(await text('honors_signal'), 'Tool "honors_signal" timed out after 100 ms and was stopped')
  t.equal(await text('ignores_signal'), 'Tool "ignores_signal" timed out after 100 ms and was abandoned: it did not end when its signal aborted (it ignores ctx.signal), so it may still be running')
  t.match(await text('blocks_sync'), /^Tool "blocks_sync" timed out after 100 ms and was not stopped: it ran \d+ ms without yielding, holding up every other request.*its result was discarded\. Load its plugin isolated \(isolate: "worker"\)/,
    'a handler that blocks past its limit does not succeed late')
  t.match(await text('blocks_after_await'), /^Tool "blocks_after_await" timed out after 100 ms and was not stopped: it ran \d+ ms without yielding/)
})

t.test('per-tool concurrency caps: calls queue in order, a full queue is refused, a long wait times out', async (t) => {
  const gates: Array<{ promise: Promise<void>, resolve: () => void }> = []
  const capped: FastifyPluginAsync = async (app) => {
    app.mcp.tool({
      name: 'one_at_a_time',
      description: 'Waits for the test to release it',
      concurrency: 1,
      timeoutMs: 5000,
      input: Type.Object({ n: Type.Integer() }),
      handler: async ({ n }) => {
        const gate = deferred()
        gates.push(gate)
        await gate.promise
        return `done ${n}`
      }
    })
    app.mcp.tool({ name: 'uncapped', description: 'Answers at once', handler: () => 'free' })
  }
  const app = await buildTestApp(t, { plugins: [{ plugin: capped }], limits: { toolQueueMax: 1 } })
  const client = createInjectClient(app)
  const first = client.callTool('one_at_a_time', { n: 1 })
  const second = client.callTool('one_at_a_time', { n: 2 })
  const gate = gateOf(app.mcpCore.registry.tools.get('one_at_a_time')!, 1)!
  while (gates.length < 1 || gate.waiting < 1) await new Promise((resolve) => setTimeout(resolve, 5))
  const third = await client.callTool('one_at_a_time', { n: 3 })
  t.equal(third.isError, true, 'over the cap with the queue full: refused')
  t.equal(third.content[0].text, 'Tool "one_at_a_time" is busy: 1 calls are running (its concurrency cap is 1) and 1 are waiting (the most limits.toolQueueMax allows): try again shortly')
  t.same((await client.callTool('uncapped')).content, [{ type: 'text', text: 'free' }], 'other tools are not held up')
  t.equal(gates.length, 1, 'the second call waits: it has not started')
  gates[0].resolve()
  t.same((await first).content, [{ type: 'text', text: 'done 1' }])
  while (gates.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
  gates[1].resolve()
  t.same((await second).content, [{ type: 'text', text: 'done 2' }], 'the waiting call ran next')
})

t.test('a waiting call gives up at its time limit; limits.concurrency of the plugin entry caps each of its tools', async (t) => {
  const gate = deferred()
  const held: FastifyPluginAsync = async (app) => {
    app.mcp.tool({
      name: 'held',
      description: 'Waits for the test, ignoring its signal',
      timeoutMs: 300,
      handler: async () => { await gate.promise; return 'released' }
    })
  }
  const app = await buildTestApp(t, { plugins: [{ plugin: held, limits: { concurrency: 1 } }] })
  t.equal(app.mcpCore.registry.tools.get('held')?.concurrency, 1, 'the entry\'s cap applies to the tool')
  const client = createInjectClient(app)
  // The first call holds the slot until it is abandoned (300 ms + the 1 s grace); the second's wait ends first.
  const first = client.callTool('held')
  const second = await client.callTool('held')
  t.equal(second.content[0].text, 'Tool "held" waited 300 ms (its time limit) for a free slot and did not run: its 1 concurrent calls (its concurrency cap) were all busy')
  t.match((await first).content[0].text, /^Tool "held" timed out after 300 ms and was abandoned/)
  gate.resolve()
})
