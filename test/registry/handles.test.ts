/**
 * Registration handles (update, enable/disable, remove, each telling
 * clients the list changed), app.mcp.call, and the schema kinds beyond
 * TypeBox (plain JSON Schema, zod 4, valibot, arktype) at run time: what
 * they list and how they validate.
 */
import { Type } from '@sinclair/typebox'
import { toStandardJsonSchema } from '@valibot/to-json-schema'
import { type } from 'arktype'
import type { FastifyPluginAsync } from 'fastify'
import t, { type Test } from 'tap'
import * as v from 'valibot'
import * as z from 'zod'
import type { McpRegistry, ToolHandle } from '@mcp-platform/server'
import { buildTestApp, createInjectClient } from '@mcp-platform/server/testing'

async function setup (t: Test) {
  let mcp: McpRegistry | undefined
  const plugin: FastifyPluginAsync = async (app) => { mcp = app.mcp }
  const app = await buildTestApp(t, { plugins: [{ plugin, name: 'handles' }] })
  const changes: string[] = []
  t.teardown(app.mcpCore.registry.subscribe({ listChanged: (kind) => changes.push(kind), resourceUpdated: () => {} }))
  return { app, mcp: mcp!, changes, client: createInjectClient(app), legacy: createInjectClient(app, { era: 'legacy' }) }
}

const names = (list: { tools: Array<{ name: string }> }) => list.tools.map((tool) => tool.name)

t.test('a tool handle: update, disable, enable, remove; each change notifies', async (t) => {
  const { mcp, changes, client, legacy } = await setup(t)
  const handle: ToolHandle = mcp.tool({ name: 'greet', description: 'Says hello', handler: () => 'hello' })
  t.same(changes, ['tools'])
  t.equal(handle.enabled, true)
  t.same((await client.callTool('greet')).content, [{ type: 'text', text: 'hello' }])

  handle.update({ description: 'Says bonjour', handler: () => 'bonjour' })
  t.same(changes, ['tools', 'tools'], 'update notifies')
  const listed = (await client.listTools()).tools.find((tool: { name: string }) => tool.name === 'greet')
  t.equal(listed.description, 'Says bonjour', 'the list shows the update')
  t.same((await legacy.callTool('greet')).content, [{ type: 'text', text: 'bonjour' }], 'calls run the new handler')

  handle.disable()
  t.equal(handle.enabled, false)
  t.same(changes, ['tools', 'tools', 'tools'], 'disable notifies')
  t.notOk(names(await client.listTools()).includes('greet'), 'hidden from tools/list (modern)')
  t.notOk(names(await legacy.listTools()).includes('greet'), 'hidden from tools/list (legacy)')
  await t.rejects(client.callTool('greet'), { code: -32602, message: /greet/ }, 'a call is refused as an unknown tool')
  await t.rejects(mcp.call('greet'), { code: 'MCP_ERR_UNKNOWN_TOOL' }, 'app.mcp.call refuses it too')
  t.throws(() => mcp.tool({ name: 'greet', description: 'another', handler: () => 'x' }), { code: 'MCP_ERR_DUPLICATE_TOOL' }, 'its name stays taken')
  handle.update({ handler: () => 'hola' })
  t.equal(changes.length, 3, 'an update while disabled changes no list: no notification')
  handle.disable()
  t.equal(changes.length, 3, 'disabling twice is a no-op')

  handle.enable()
  t.same(changes.length, 4, 'enable notifies')
  t.same((await client.callTool('greet')).content, [{ type: 'text', text: 'hola' }], 'enabled again, with the update made meanwhile')

  t.throws(() => handle.update({ input: Type.String() as never }), { code: 'MCP_ERR_INVALID_SCHEMA' }, 'a bad update throws')
  t.same((await client.callTool('greet')).content, [{ type: 'text', text: 'hola' }], '...and leaves the tool as it was')

  handle.remove()
  t.equal(changes.length, 5, 'remove notifies')
  t.notOk(names(await client.listTools()).includes('greet'))
  handle.remove()
  t.equal(changes.length, 5, 'removing twice is a no-op')
  t.throws(() => handle.enable(), { code: 'MCP_ERR_REGISTRATION_REMOVED' }, 'a removed handle is spent')
  mcp.tool({ name: 'greet', description: 'again', handler: () => 'again' })
  t.same((await client.callTool('greet')).content, [{ type: 'text', text: 'again' }], 'the name is free after remove')
})

t.test('resource, template and prompt handles', async (t) => {
  const { mcp, changes, client } = await setup(t)
  const resource = mcp.resource({ uri: 'memo://note', name: 'note', read: () => 'first' })
  const template = mcp.resourceTemplate({ uriTemplate: 'memo://notes/{id}', name: 'notes', read: (_uri, { id }) => `note ${id}` })
  const prompt = mcp.prompt({ name: 'ask', arguments: Type.Object({ topic: Type.String() }), handler: ({ topic }) => `Tell me about ${topic}` })
  t.same(changes, ['resources', 'resources', 'prompts'])

  resource.update({ read: () => 'second' })
  t.equal((await client.readResource('memo://note')).contents[0].text, 'second')
  resource.disable()
  t.same((await client.listResources()).resources, [])
  await t.rejects(client.readResource('memo://note'), { code: -32602 }, 'a disabled resource reads as unknown')
  template.disable()
  t.same((await client.listResourceTemplates()).resourceTemplates, [])
  template.enable()
  t.equal((await client.readResource('memo://notes/7')).contents[0].text, 'note 7')
  prompt.update({ description: 'Asks about a topic' })
  t.equal((await client.listPrompts()).prompts[0].description, 'Asks about a topic')
  prompt.remove()
  t.same((await client.listPrompts()).prompts, [])
  t.same(changes, ['resources', 'resources', 'prompts', 'resources', 'resources', 'resources', 'resources', 'prompts', 'prompts'])
})

t.test('app.mcp.call: validation, results, errors, composition', async (t) => {
  const { mcp, client } = await setup(t)
  mcp.tool({
    name: 'add',
    description: 'Adds',
    input: Type.Object({ a: Type.Number(), b: Type.Number() }),
    output: Type.Object({ sum: Type.Number() }),
    handler: ({ a, b }) => ({ structuredContent: { sum: a + b } })
  })
  mcp.tool({ name: 'broken', description: 'Throws', handler: () => { throw new Error('database is down') } })
  mcp.tool({ name: 'liar', description: 'Breaks its output schema', output: Type.Object({ n: Type.Number() }), handler: () => ({ structuredContent: { n: 'one' as unknown as number } }) })
  mcp.tool({
    name: 'twice',
    description: 'Composes add',
    input: Type.Object({ a: Type.Number() }),
    handler: async ({ a }, ctx) => {
      const result = await mcp.call('add', { a, b: a }, { ctx })
      return `twice ${a} is ${(result.structuredContent as { sum: number }).sum}`
    }
  })
  mcp.tool({ name: 'asks', description: 'Elicits', handler: async (_args, ctx) => (await ctx.elicit({ message: 'ok?', requestedSchema: { type: 'object', properties: {} } })).action })

  t.same(await mcp.call('add', { a: 2, b: 3 }), { content: [{ type: 'text', text: '{"sum":5}' }], structuredContent: { sum: 5 } })
  const invalid = await mcp.call('add', { a: 'two' })
  t.equal(invalid.isError, true)
  t.match((invalid.content[0] as { text: string }).text, /Invalid arguments for tool "add": .*a: must be number/)
  t.match(await mcp.call('broken'), { isError: true, content: [{ text: 'Tool "broken" failed: database is down' }] })
  t.match(await mcp.call('liar'), { isError: true, content: [{ text: /does not match its output schema: n: must be number/ }] })
  t.match(await mcp.call('asks'), { isError: true, content: [{ text: /no client to ask/ }] }, 'without ctx there is no client to elicit from')
  await t.rejects(mcp.call('nope'), { code: 'MCP_ERR_UNKNOWN_TOOL', message: /"nope".*registered: add, asks, broken, liar, twice/ })
  t.same((await client.callTool('twice', { a: 4 })).content, [{ type: 'text', text: 'twice 4 is 8' }], 'one tool composes another over the wire')
})

t.test('schemas beyond TypeBox: plain JSON Schema, zod, valibot, arktype', async (t) => {
  const { mcp, client, legacy } = await setup(t)
  mcp.tool({
    name: 'plain',
    description: 'Plain JSON Schema',
    input: { type: 'object', properties: { city: { type: 'string', minLength: 2 } }, required: ['city'], additionalProperties: false },
    handler: (args) => `weather in ${String(args.city)}`
  })
  mcp.tool({
    name: 'zod',
    description: 'zod 4',
    input: z.object({ n: z.number().int(), label: z.string().default('n') }),
    output: z.object({ doubled: z.number() }),
    handler: ({ n, label }) => ({ text: label, structuredContent: { doubled: n * 2 } })
  })
  mcp.tool({
    name: 'valibot',
    description: 'valibot',
    input: toStandardJsonSchema(v.object({ word: v.pipe(v.string(), v.minLength(2)), by: v.optional(v.string(), 'you') })),
    handler: ({ word, by }) => `${word} (said ${by})`
  })
  mcp.tool({
    name: 'arktype',
    description: 'arktype',
    input: type({ age: 'number.integer >= 0' }),
    output: type({ adult: 'boolean' }),
    handler: ({ age }) => ({ structuredContent: { adult: age >= 18 } })
  })
  t.throws(() => mcp.tool({ name: 'raw_valibot', description: 'x', input: v.object({ a: v.string() }), handler: () => 'x' }),
    { code: 'MCP_ERR_INVALID_SCHEMA', message: /toStandardJsonSchema/ }, 'a Standard Schema that cannot be listed is refused with what to do')
  t.throws(() => mcp.tool({ name: 'not_object', description: 'x', input: z.string() as never, handler: () => 'x' }), { code: 'MCP_ERR_INVALID_SCHEMA', message: /must describe an object/ })

  const tools = Object.fromEntries((await client.listTools()).tools.map((tool: { name: string }) => [tool.name, tool]))
  t.same(tools.plain.inputSchema, { type: 'object', properties: { city: { type: 'string', minLength: 2 } }, required: ['city'], additionalProperties: false })
  t.match(tools.zod.inputSchema, { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { n: { type: 'integer' }, label: { type: 'string', default: 'n' } } })
  t.same(tools.zod.inputSchema.required, ['n'], 'listed as what a client sends: label has a default')
  t.match(tools.zod.outputSchema, { type: 'object', properties: { doubled: { type: 'number' } } })
  t.match(tools.valibot.inputSchema, { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] })
  t.match(tools.arktype.inputSchema, { type: 'object', properties: { age: { type: 'integer', minimum: 0 } }, required: ['age'] })
  t.match(tools.arktype.outputSchema, { type: 'object', properties: { adult: { type: 'boolean' } } })

  t.same((await client.callTool('plain', { city: 'Oslo' })).content, [{ type: 'text', text: 'weather in Oslo' }])
  t.match(await client.callTool('plain', { city: 'O' }), { isError: true, content: [{ text: /city: must NOT have fewer than 2 characters/ }] })
  t.same(await legacy.callTool('zod', { n: 4 }), { content: [{ type: 'text', text: 'n' }], structuredContent: { doubled: 8 } }, 'zod fills the default; the handler sees it')
  t.match(await client.callTool('zod', { n: 1.5 }), { isError: true, content: [{ text: /Invalid arguments for tool "zod": n: .*int/i }] }, 'zod\'s own message')
  t.same((await client.callTool('valibot', { word: 'hi' })).content, [{ type: 'text', text: 'hi (said you)' }], 'the valibot default reached the handler')
  t.match(await client.callTool('valibot', {}), { isError: true, content: [{ text: /word: / }] })
  t.same((await client.callTool('arktype', { age: 20 })).structuredContent, { adult: true })
  t.match(await client.callTool('arktype', { age: -1 }), { isError: true, content: [{ text: /age: .*(at least|>=|non-negative)/i }] })
  t.same((await mcp.call('zod', { n: 2, label: 'x' })).structuredContent, { doubled: 4 }, 'app.mcp.call validates with the library too')

  mcp.tool({ name: 'zod_liar', description: 'x', output: z.object({ ok: z.boolean() }), handler: () => ({ structuredContent: { ok: 'yes' as unknown as boolean } }) })
  await t.rejects(client.callTool('zod_liar'), { code: -32603, message: /output schema.*ok/ }, 'zod checks the output too')
})
