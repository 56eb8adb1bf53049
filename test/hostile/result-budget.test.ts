/**
 * Tool results have a byte budget enforced by the core for every tool: over
 * it, a tool error with the size and the limit, or, for a tool that opts in,
 * its text cut to fit and the result flagged.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { createInjectClient, startTestServer } from '@mcp-platform/server/testing'
import calculator from '../../plugins/calculator/src/index.ts'

const LIMIT = 10_000

const big: FastifyPluginAsync = async (app) => {
  const input = Type.Object({ chars: Type.Integer({ minimum: 0 }) })
  app.mcp.tool({ name: 'big_text', description: 'Returns that many characters', input, handler: ({ chars }) => 'é'.repeat(chars) })
  app.mcp.tool({
    name: 'big_text_cut',
    description: 'Returns that many characters, cut past the budget',
    input,
    oversizedResult: 'truncate',
    handler: ({ chars }) => ({ content: [{ type: 'text', text: 'a'.repeat(chars) }, { type: 'text', text: 'tail' }] })
  })
  app.mcp.tool({
    name: 'big_structured',
    description: 'Structured content past the budget',
    input,
    oversizedResult: 'truncate',
    handler: ({ chars }) => ({ text: 'rows', structuredContent: { rows: Array.from({ length: chars }, (_, i) => ({ i })) } })
  })
  app.mcp.tool({
    name: 'self_referring',
    description: 'Structured content that contains itself (a plugin bug)',
    input: Type.Object({}),
    handler: () => {
      const node: Record<string, unknown> = { name: 'loop' }
      node.self = node
      return { text: 'a loop', structuredContent: node }
    }
  })
  app.mcp.tool({
    name: 'big_integer',
    description: 'Structured content holding a BigInt (a plugin bug: JSON has no BigInt)',
    input: Type.Object({}),
    handler: () => ({ text: 'a count', structuredContent: { count: 10n } }) as never
  })
  app.mcp.tool({
    name: 'big_with_integer',
    description: 'Over the budget, with a BigInt past what the budget check reads',
    input: Type.Object({}),
    handler: () => ({ text: 'rows', structuredContent: { total: 2000n, rows: Array.from({ length: 2000 }, (_, i) => ({ i })) } }) as never
  })
}

t.test('over the budget: an error with the size and the limit; under it: untouched', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: big }, { plugin: calculator }], limits: { maxResultBytes: LIMIT } })
  const mcp = createInjectClient(server.app)
  const small = await mcp.callTool('big_text', { chars: 100 })
  t.equal(small.content[0].text.length, 100)
  t.notOk(small.isError)

  const refused = await mcp.callTool('big_text', { chars: 1_000_000 })
  t.equal(refused.isError, true)
  t.match(refused.content[0].text, /returned a result of 20000\d\d bytes, over this server's limit of 10000 bytes \(MCP_MAX_RESULT_BYTES\)/,
    'the size counts UTF-8 bytes (é is two)')
  t.equal((await mcp.callTool('calculate', { expression: '2+2' })).structuredContent.result, 4, 'other calls are unaffected')
})

t.test('a result that refers to itself is a tool error, not a server that spins counting it', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: big }, { plugin: calculator }], limits: { maxResultBytes: LIMIT } })
  const mcp = createInjectClient(server.app)
  const refused = await mcp.callTool('self_referring', {})
  t.equal(refused.isError, true)
  t.match(refused.content[0].text, /returned a result of more than \d+ bytes \(or one that refers to itself\), over this server's limit of 10000 bytes/)
  t.equal((await mcp.callTool('calculate', { expression: '2+2' })).structuredContent.result, 4, 'the server goes on serving')
})

t.test('a result JSON cannot carry (a BigInt) is an error naming the tool and the value, and the server goes on', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: big }, { plugin: calculator }], limits: { maxResultBytes: LIMIT } })
  const mcp = createInjectClient(server.app)
  await t.rejects(mcp.callTool('big_integer', {}), { code: -32603, message: /Tool "big_integer" returned a BigInt, which JSON cannot carry \(return it as a number or a string\)/ })
  await t.rejects(mcp.callTool('big_with_integer', {}), { code: -32603, message: /Tool "big_with_integer" returned a BigInt/ }, 'also when the result is over the budget as well')
  t.equal((await mcp.callTool('calculate', { expression: '2+2' })).structuredContent.result, 4, 'other calls are unaffected')
})

t.test('a tool that opts in gets its text cut to fit, and the result says so', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: big }], limits: { maxResultBytes: LIMIT } })
  const mcp = createInjectClient(server.app)
  const cut = await mcp.callTool('big_text_cut', { chars: 500_000 })
  t.notOk(cut.isError)
  const bytes = Buffer.byteLength(JSON.stringify(cut))
  t.ok(bytes <= LIMIT + 500, `the answer fits the budget (${bytes} bytes with the envelope)`)
  t.ok(cut.content[0].text.length > LIMIT / 2, 'and keeps most of what fits')
  const flag = cut._meta['io.mcp-platform/truncated']
  t.equal(flag.limit, LIMIT, 'the flag gives the limit')
  t.ok(flag.bytes > 500_000 && flag.bytes < 500_200, `and the size before the cut (${flag.bytes} bytes)`)
})

t.test('structured content cannot be cut: over the budget it is an error, even for a tool that opts in', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: big }], limits: { maxResultBytes: LIMIT } })
  const answer = await createInjectClient(server.app).callTool('big_structured', { chars: 5000 })
  t.equal(answer.isError, true)
  t.match(answer.content[0].text, /over this server's limit of 10000 bytes/)
})
