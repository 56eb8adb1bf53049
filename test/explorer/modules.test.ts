/**
 * The page's plain modules that need no browser, run in Node: the
 * outputSchema check the page shows beside structured content, and the
 * reading of /metrics (against a real server's /metrics text).
 */
import t from 'tap'
import calculator from '@mcp-platform/calculator'
import { createInjectClient, buildTestApp } from '@mcp-platform/server/testing'

// Browser modules, loaded by URL: plain JavaScript without type declarations.
const render = await import(new URL('../../apps/server/explorer/render.js', import.meta.url).href)
const status = await import(new URL('../../apps/server/explorer/status.js', import.meta.url).href)

t.test('validate: what the page reports against an outputSchema', async (t) => {
  const schema = {
    type: 'object',
    properties: { result: { type: 'number' }, unit: { type: 'string', enum: ['m', 'km'] }, tags: { type: 'array', items: { type: 'integer' } } },
    required: ['result'],
    additionalProperties: false
  }
  t.same(render.validate(schema, { result: 98 }), [], 'a matching value: no problems')
  t.same(render.validate(schema, { result: '98' }), ['$.result: expected number, got string'])
  t.same(render.validate(schema, {}), ['$.result: required, missing'])
  t.same(render.validate(schema, { result: 1, unit: 'mi' }), ['$.unit: not one of ["m","km"]'])
  t.same(render.validate(schema, { result: 1, tags: [1, 2.5] }), ['$.tags[1]: expected integer, got number'])
  t.same(render.validate(schema, { result: 1, other: true }), ['$.other: not allowed (additionalProperties: false)'])
  t.same(render.validate({ anyOf: [{ type: 'string' }, { type: 'null' }] }, 3), ['$: matches none of anyOf'])
  t.same(render.validate({ type: ['string', 'null'] }, null), [], 'type lists')
})

t.test('parseMetrics: calls, errors and latency by tool from a real /metrics', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin: calculator }] })
  const client = createInjectClient(app)
  await client.callTool('calculate', { expression: '1+1' })
  await client.callTool('calculate', { expression: '2+2' })
  await client.callTool('calculate', { expression: '1/0' })
  const text = (await app.inject('/metrics')).body
  const calculate = status.parseMetrics(text).get('calculate')
  t.equal(calculate.calls, 3, 'three calls')
  t.equal(calculate.errors, 1, 'one of them a tool error')
  t.equal(calculate.timed, 3, 'three timings')
  t.ok(calculate.seconds > 0, 'and their total time')
})
