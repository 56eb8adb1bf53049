/**
 * Registration rules that only show at start or at call time: duplicate
 * names (the message names both plugins), invalid definitions, and results
 * that break the tool's own output schema.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import type { McpRegistry } from '@mcp-platform/server'
import { buildTestApp, legacyInitialize, legacyRequest, modernRequest, startTestServer, type Teardown } from '@mcp-platform/server/testing'

const build = async (t: Teardown, plugins: Array<{ plugin: FastifyPluginAsync, name?: string }>) => await buildTestApp(t, { plugins })

t.test('duplicate names fail at start, naming both plugins', async (t) => {
  const tool = (name: string): FastifyPluginAsync => async (app) => {
    app.mcp.tool({ name, description: 'x', handler: () => 'x' })
  }
  await t.rejects(build(t, [{ plugin: tool('lookup'), name: 'weather-plugin' }, { plugin: tool('other'), name: 'misc' }, { plugin: tool('lookup'), name: 'db-plugin' }]),
    { code: 'MCP_ERR_DUPLICATE_TOOL', message: /"lookup".*"weather-plugin".*"db-plugin"/ })

  // Without explicit names, the plugin functions' names are used.
  const alphaPlugin: FastifyPluginAsync = async (app) => { app.mcp.prompt({ name: 'greet', handler: () => 'hi' }) }
  const betaPlugin: FastifyPluginAsync = async (app) => { app.mcp.prompt({ name: 'greet', handler: () => 'hello' }) }
  await t.rejects(build(t, [{ plugin: alphaPlugin }, { plugin: betaPlugin }]),
    { code: 'MCP_ERR_DUPLICATE_PROMPT', message: /"greet".*"alphaPlugin".*"betaPlugin"/ })

  const resource = (owner: string): FastifyPluginAsync => async (app) => {
    app.mcp.resource({ uri: 'file:///shared.txt', name: owner, read: () => owner })
  }
  await t.rejects(build(t, [{ plugin: resource('a'), name: 'files-a' }, { plugin: resource('b'), name: 'files-b' }]),
    { code: 'MCP_ERR_DUPLICATE_RESOURCE', message: /"file:\/\/\/shared\.txt".*"files-a".*"files-b"/ })

  const template = (owner: string): FastifyPluginAsync => async (app) => {
    app.mcp.resourceTemplate({ uriTemplate: 'db://{table}', name: owner, read: () => owner })
  }
  await t.rejects(build(t, [{ plugin: template('a'), name: 'db-one' }, { plugin: template('b'), name: 'db-two' }]),
    { code: 'MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE', message: /"db:\/\/\{table\}".*"db-one".*"db-two"/ })

  // Within one plugin too.
  const twice: FastifyPluginAsync = async (app) => {
    app.mcp.tool({ name: 'dup', description: 'x', handler: () => 'x' })
    app.mcp.tool({ name: 'dup', description: 'y', handler: () => 'y' })
  }
  await t.rejects(build(t, [{ plugin: twice, name: 'careless' }]), { code: 'MCP_ERR_DUPLICATE_TOOL', message: /"dup".*"careless".*"careless"/ })
})

t.test('a duplicate registered after start throws at the call, and the first registration stays', async (t) => {
  let mcp: McpRegistry | undefined
  const owner: FastifyPluginAsync = async (app) => {
    mcp = app.mcp
    app.mcp.tool({ name: 'stable', description: 'x', handler: () => 'first' })
  }
  const { url } = await startTestServer(t, { plugins: [{ plugin: owner, name: 'owner' }] })
  t.throws(() => mcp!.tool({ name: 'stable', description: 'y', handler: () => 'second' }), { code: 'MCP_ERR_DUPLICATE_TOOL', message: /"stable".*"owner".*"owner"/ })
  const answer = await modernRequest(url, 'tools/call', { name: 'stable', arguments: {} })
  t.same(answer.response.result.content, [{ type: 'text', text: 'first' }])
})

t.test('invalid definitions fail at start with the plugin named', async (t) => {
  const cases: Array<[string, FastifyPluginAsync, string]> = [
    ['a bad tool name', async (app) => { app.mcp.tool({ name: 'has space', description: 'x', handler: () => 'x' }) }, 'MCP_ERR_INVALID_TOOL_NAME'],
    ['a non-object input', async (app) => { app.mcp.tool({ name: 'n', description: 'x', input: Type.String() as never, handler: () => 'x' }) }, 'MCP_ERR_INVALID_SCHEMA'],
    ['an invalid JSON Schema', async (app) => { app.mcp.tool({ name: 'n', description: 'x', input: Type.Unsafe({ type: 'object', properties: { a: { type: 'strin' } } }), handler: () => 'x' }) }, 'MCP_ERR_INVALID_SCHEMA'],
    ['an unknown dialect', async (app) => { app.mcp.tool({ name: 'n', description: 'x', input: Type.Unsafe({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' }), handler: () => 'x' }) }, 'MCP_ERR_UNSUPPORTED_SCHEMA_DIALECT'],
    ['a completer for no argument', async (app) => { app.mcp.prompt({ name: 'p', arguments: Type.Object({ a: Type.String() }), complete: { b: () => [] } as never, handler: () => 'x' }) }, 'MCP_ERR_INVALID_COMPLETER'],
    ['a relative resource URI', async (app) => { app.mcp.resource({ uri: 'notes.txt', name: 'n', read: () => 'x' }) }, 'MCP_ERR_INVALID_RESOURCE_URI']
  ]
  for (const [what, plugin, code] of cases) {
    await t.rejects(build(t, [{ plugin, name: 'bad' }]), { code, message: /plugin "bad"/ }, what)
  }
})

t.test('results that break the output schema: -32603 naming the tool and the problem', async (t) => {
  const shaped: FastifyPluginAsync = async (app) => {
    const output = Type.Object({ total: Type.Number(), unit: Type.String() })
    app.mcp.tool({ name: 'wrong_type', description: 'x', output, handler: () => ({ structuredContent: { total: 'ten', unit: 'kg' } as never }) })
    app.mcp.tool({ name: 'missing_field', description: 'x', output, handler: () => ({ structuredContent: { total: 10 } as never }) })
    app.mcp.tool({ name: 'no_structured', description: 'x', output, handler: () => ({ text: 'ten kg' }) as never })
    app.mcp.tool({ name: 'good', description: 'x', output, handler: () => ({ structuredContent: { total: 10, unit: 'kg' } }) })
    app.mcp.tool({ name: 'failed', description: 'x', output, handler: () => ({ isError: true, text: 'no scale attached' }) })
    app.mcp.tool({ name: 'returns_number', description: 'x', handler: () => 42 as never })
  }
  const { url } = await startTestServer(t, { plugins: [{ plugin: shaped, name: 'shaped' }] })
  const session = await legacyInitialize(url)
  const cases: Array<[string, RegExp]> = [
    ['wrong_type', /Tool "wrong_type" returned structuredContent that does not match its output schema: total: must be number/],
    ['missing_field', /Tool "missing_field" returned structuredContent that does not match its output schema: unit: is required/],
    ['no_structured', /Tool "no_structured" returned structuredContent that does not match its output schema: it is missing/],
    ['returns_number', /Tool "returns_number" returned number; a handler must return a string or a result object/]
  ]
  for (const [name, message] of cases) {
    for (const era of ['modern', 'legacy']) {
      const answer = era === 'modern'
        ? await modernRequest(url, 'tools/call', { name, arguments: {} })
        : await legacyRequest(url, session, 'tools/call', { name, arguments: {} })
      t.equal(answer.response.error?.code, -32603, `${name} (${era}): -32603`)
      t.match(answer.response.error?.message, message, `${name} (${era}): message`)
    }
  }
  const good = await modernRequest(url, 'tools/call', { name: 'good', arguments: {} })
  t.same(good.response.result.structuredContent, { total: 10, unit: 'kg' })
  t.same(good.response.result.content, [{ type: 'text', text: '{"total":10,"unit":"kg"}' }], 'structured-only results get a text copy')
  const failed = await modernRequest(url, 'tools/call', { name: 'failed', arguments: {} })
  t.same(failed.response.result, {
    content: [{ type: 'text', text: 'no scale attached' }],
    isError: true,
    resultType: 'complete',
    _meta: failed.response.result._meta
  }, 'an error result is not held to the output schema')
  const listed = await modernRequest(url, 'tools/list')
  t.same(listed.response.result.tools.find((tool: { name: string }) => tool.name === 'good').outputSchema.required, ['total', 'unit'], 'the output schema is listed')
})
