/**
 * An answer that turns into an SSE stream (a tool that reports progress) is
 * written past Fastify's reply: it must still carry the endpoint's security
 * headers, like a JSON answer does, and deliver every event and the result.
 */
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { buildTestApp, modernEnvelope, modernHeaders, parseSse } from '../../apps/server/src/testing/index.ts'

const counter: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'count',
    description: 'Reports progress three times, then answers',
    handler: (_args, ctx) => {
      for (let step = 1; step <= 3; step++) ctx.progress(step, 3)
      return 'counted'
    }
  })
}

t.test('an SSE answer carries the security headers, every progress event and the result', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin: counter, name: 'counter' }] })
  const res = await app.inject({
    method: 'POST',
    url: '/mcp',
    headers: modernHeaders('tools/call', { name: 'count' }),
    payload: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'count', arguments: {}, _meta: { ...modernEnvelope(), progressToken: 'p' } } }
  })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/event-stream/)
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['x-frame-options'], 'DENY')
  t.match(res.headers['content-security-policy'], /default-src 'none'/)
  const messages = parseSse(res.body) as Array<{ method?: string, id?: number, result?: { content: Array<{ text: string }> } }>
  t.same(messages.filter((m) => m.method === 'notifications/progress').length, 3, 'three progress notifications')
  t.equal(messages.at(-1)?.id, 7)
  t.equal(messages.at(-1)?.result?.content[0].text, 'counted', 'the result comes last, in the same response')
})
