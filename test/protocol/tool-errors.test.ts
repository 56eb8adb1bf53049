/**
 * ToolError reaches the caller as an error result: its message as text and
 * its `details` as `structuredContent`; `asToolError` turns a plugin's
 * domain errors into ToolErrors and lets bugs through.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { asToolError, buildApp, ToolError } from '@mcp-platform/server'
import { createInjectClient } from '@mcp-platform/server/testing'

class OutOfStock extends Error {}

const shop: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'reserve',
    description: 'Reserves an item',
    input: Type.Object({ item: Type.String() }),
    output: Type.Object({ reserved: Type.String() }),
    async handler ({ item }) {
      if (item === 'detailed') throw new ToolError('Out of stock', { details: { item, restockInDays: 3 } })
      return await asToolError(() => {
        if (item === 'bug') throw new TypeError('a bug, not the caller\'s fault')
        if (item !== 'teapot') throw new OutOfStock(`No ${item} left`)
        return { text: 'ok', structuredContent: { reserved: item } }
      }, OutOfStock, (error) => { reported.push(error.message) })
    }
  })
}
const reported: string[] = []

t.test('details travel as structuredContent; domain errors become tool errors; bugs stay bugs', async (t) => {
  const app = await buildApp({ logLevel: 'silent', stateSecret: 'tool-errors', plugins: [{ plugin: shop }] })
  t.teardown(() => app.close())
  const mcp = createInjectClient(app)

  const detailed = await mcp.callTool('reserve', { item: 'detailed' })
  t.equal(detailed.isError, true)
  t.equal(detailed.content[0].text, 'Out of stock')
  t.same(detailed.structuredContent, { item: 'detailed', restockInDays: 3 }, 'details are delivered, not dropped')

  const ok = await mcp.callTool('reserve', { item: 'teapot' })
  t.same(ok.structuredContent, { reserved: 'teapot' })

  const domain = await mcp.callTool('reserve', { item: 'kettle' })
  t.equal(domain.isError, true)
  t.equal(domain.content[0].text, 'No kettle left', 'the domain error\'s message, as a ToolError')
  t.notOk('structuredContent' in domain, 'no details, no structuredContent')
  t.same(reported, ['No kettle left'], 'the report hook heard it')

  const bug = await mcp.callTool('reserve', { item: 'bug' })
  t.equal(bug.isError, true)
  t.match(bug.content[0].text, /Tool "reserve" failed: a bug/, 'other errors are reported as failures of the tool')
  t.same(reported, ['No kettle left'], 'and are not the domain hook\'s business')
})
