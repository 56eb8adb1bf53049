/** The `calculate` tool through the server: what a client sees. */
import t from 'tap'
import { buildApp } from '@mcp-platform/server'
import { createInjectClient } from '@mcp-platform/server/testing'
import calculator from '../src/index.ts'

t.test('calculate', async (t) => {
  const app = await buildApp({ logLevel: 'silent', stateSecret: 'test', plugins: [{ plugin: calculator }] })
  t.teardown(() => app.close())
  const client = createInjectClient(app)

  t.test('is listed with its input and output schemas', async (t) => {
    const { tools } = await client.listTools()
    const tool = tools.find((tool: { name: string }) => tool.name === 'calculate')
    t.ok(tool, 'calculate is listed')
    t.equal(tool.inputSchema.properties.expression.type, 'string')
    t.equal(tool.inputSchema.properties.expression.maxLength, 1000)
    t.same(tool.outputSchema.required, ['result'])
    t.equal(tool.annotations.readOnlyHint, true)
  })

  t.test('answers with text and structuredContent', async (t) => {
    const result = await client.callTool('calculate', { expression: '2 * (3 + 4) ^ 2' })
    t.same(result.content, [{ type: 'text', text: '98' }])
    t.same(result.structuredContent, { result: 98 })
    t.notOk(result.isError)
  })

  t.test('a parse error is a tool error saying what and where', async (t) => {
    const result = await client.callTool('calculate', { expression: '2 * (3 + ' })
    t.equal(result.isError, true)
    t.match(result.content[0].text, /Unexpected end of expression.*after .+. at position 7/)
  })

  t.test('division by zero is a tool error with its position', async (t) => {
    const result = await client.callTool('calculate', { expression: '1 + 4 / (2 - 2)' })
    t.equal(result.isError, true)
    t.match(result.content[0].text, /Division by zero at position 6/)
  })

  t.test('an expression over the length limit is refused before evaluation', async (t) => {
    const result = await client.callTool('calculate', { expression: '1+'.repeat(600) + '1' })
    t.equal(result.isError, true)
    t.match(result.content[0].text, /expression: must NOT have more than 1000 characters/)
  })

  t.test('an extra argument is named in the error', async (t) => {
    const result = await client.callTool('calculate', { expression: '1', precision: 2 })
    t.equal(result.isError, true)
    t.match(result.content[0].text, /precision: is not an allowed property/)
  })
})
