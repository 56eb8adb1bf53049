/**
 * The `calculate` tool through the real host, as a client sees it: the file
 * to copy when testing a new plugin. `buildTestApp` starts the server with
 * the plugin (closed when the test ends); `createInjectClient` speaks MCP to
 * it in-process, in either protocol era.
 */
import t from 'tap'
import { buildTestApp, createInjectClient, McpRequestError } from '@mcp-platform/server/testing'
import calculator from '../src/index.ts'

t.test('calculate', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin: calculator }] })

  // Stateless 2026-07-28 requests, and a 2025-11-25 session (initialize first): same tool, same answers.
  for (const era of ['modern', 'legacy'] as const) {
    const client = createInjectClient(app, { era })

    t.test(`${era}: listed with its input and output schemas`, async (t) => {
      const { tools } = await client.listTools()
      const tool = tools.find((tool: { name: string }) => tool.name === 'calculate')
      t.ok(tool, 'calculate is listed')
      t.equal(tool.inputSchema.properties.expression.type, 'string')
      t.equal(tool.inputSchema.properties.expression.maxLength, 1000)
      t.same(tool.outputSchema.required, ['result'])
      t.equal(tool.annotations.readOnlyHint, true)
    })

    t.test(`${era}: answers with text and structuredContent`, async (t) => {
      const result = await client.callTool('calculate', { expression: '2 * (3 + 4) ^ 2' })
      t.same(result.content, [{ type: 'text', text: '98' }])
      t.same(result.structuredContent, { result: 98 })
      t.notOk(result.isError)
    })
  }

  const client = createInjectClient(app)

  t.test('a bad expression is a tool error saying what and where', async (t) => {
    const cases: Array<[string, RegExp]> = [
      ['2 * (3 + ', /Unexpected end of expression.*after .+. at position 7/],
      ['1 + 4 / (2 - 2)', /Division by zero at position 6/]
    ]
    for (const [expression, message] of cases) {
      const result = await client.callTool('calculate', { expression })
      t.equal(result.isError, true, `${expression}: isError`)
      t.match(result.content[0].text, message, `${expression}: the message`)
    }
  })

  t.test('an invalid argument is refused before evaluation, naming the field', async (t) => {
    const result = await client.callTool('calculate', { expression: '1+'.repeat(600) + '1' })
    t.equal(result.isError, true)
    t.match(result.content[0].text, /expression: must NOT have more than 1000 characters/)
    const extra = await client.callTool('calculate', { expression: '1', precision: 2 })
    t.equal(extra.isError, true)
    t.match(extra.content[0].text, /precision: is not an allowed property/)
  })

  t.test('a protocol error rejects with McpRequestError', async (t) => {
    const refused = await client.callTool('no_such_tool').catch((error: unknown) => error)
    t.type(refused, McpRequestError)
    t.match(refused, { code: -32602, message: /Unknown tool: "no_such_tool"/, statusCode: 200 })
  })
})
