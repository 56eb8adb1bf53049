/**
 * The examples of docs/plugin-api.md, compiled by `npm run typecheck`:
 * test/docs/plugin-api-doc.test.ts checks that each ```ts block of the doc
 * appears here verbatim (so edit both together). Never run, only compiled.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import Fastify from 'fastify'
import * as z from 'zod'
import * as server from '@mcp-platform/server'
import * as testing from '@mcp-platform/server/testing'

const greeter: FastifyPluginAsync<{ greeting?: string }> = async (app, options) => {
  app.mcp.tool({
    name: 'greet',
    description: 'Greets someone by name',
    input: Type.Object({ name: Type.String({ minLength: 1 }) }),
    output: Type.Object({ message: Type.String() }),
    handler: ({ name }) => {
      const message = `${options.greeting ?? 'Hello'}, ${name}!`
      return { text: message, structuredContent: { message } }
    }
  })
}

const library: FastifyPluginAsync = async (app) => {
  app.mcp.resource({ uri: 'library://catalog', name: 'catalog', mimeType: 'application/json', read: () => '[]' })
  app.mcp.resourceTemplate({
    uriTemplate: 'library://books/{isbn}',
    name: 'book',
    complete: { isbn: (prefix) => ['9780262510875'].filter((isbn) => isbn.startsWith(prefix)) },
    read: (_uri, { isbn }) => ({ text: `{"isbn":"${isbn}"}`, mimeType: 'application/json' })
  })
  app.mcp.prompt({
    name: 'summarize',
    arguments: Type.Object({ isbn: Type.String({ description: 'The book' }) }),
    handler: ({ isbn }) => `Summarize the book ${isbn} in three sentences.`
  })
  app.mcp.readinessCheck('catalog', async () => { /* e.g. ping the database */ })
  app.mcp.notifyResourceUpdated('library://catalog')
}

const schemas: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'forecast',
    description: 'Plain JSON Schema, typed with jsonSchema<T>()',
    input: server.jsonSchema<{ city: string, days?: number }>({
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } },
      required: ['city']
    }),
    handler: ({ city, days }) => `${days ?? 1} day(s) of weather for ${city}`
  })
  app.mcp.tool({
    name: 'convert',
    description: 'zod 4: validated by zod, listed as JSON Schema 2020-12',
    input: z.object({ celsius: z.number(), digits: z.number().int().default(1) }),
    output: z.object({ fahrenheit: z.number() }),
    handler: ({ celsius, digits }) => ({ structuredContent: { fahrenheit: Number((celsius * 1.8 + 32).toFixed(digits)) } })
  })
}

const maintenance: FastifyPluginAsync = async (app) => {
  const handle: server.ToolHandle = app.mcp.tool({ name: 'export_report', description: 'Exports the report', handler: () => 'done' })
  handle.disable()                                         // hidden while the export service is down
  handle.update({ description: 'Exports the monthly report' })
  handle.enable()
  app.addHook('onClose', async () => { handle.remove() })
}

const composer: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'greet_twice',
    description: 'Calls greet twice',
    input: Type.Object({ name: Type.String() }),
    handler: async ({ name }, ctx) => {
      const first = await app.mcp.call('greet', { name }, { ctx })
      if (first.isError === true) return { content: first.content, isError: true }
      const second = await app.mcp.call('greet', { name: `${name} again` }, { ctx })
      return { content: [...first.content, ...second.content] }
    }
  })
}

const slow: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'slow_count',
    description: 'Counts to three, slowly',
    handler: async (_args, ctx) => {
      for (let i = 1; i <= 3; i++) {
        ctx.signal.throwIfAborted()
        ctx.progress(i, 3, `step ${i}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      ctx.logger.info({ client: ctx.client, caller: ctx.principal?.id }, 'counted')
      return 'three'
    }
  })
}

class UpstreamDown extends Error {}
const careful: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'stock_level',
    description: 'Reads a stock level',
    input: Type.Object({ sku: Type.String() }),
    handler: async ({ sku }, ctx) => await server.asToolError(async () => {
      if (sku === '') throw new server.ToolError('sku is empty', { details: { field: 'sku' } })
      if (ctx.signal.aborted) throw new UpstreamDown('the warehouse API did not answer')
      return `${sku}: 12`
    }, UpstreamDown, (error) => { ctx.logger.warn({ err: error }, 'warehouse down') })
  })
}

const deleter: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'delete_file',
    description: 'Deletes a file after asking',
    input: Type.Object({ path: Type.String() }),
    handler: async ({ path }, ctx) => {
      const answer = await ctx.elicit({
        message: `Delete ${path}?`,
        requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] }
      })
      if (answer.action !== 'accept' || answer.content?.confirm !== true) return 'Kept it.'
      // The side effect comes after elicit: on 2026-07-28 everything above runs again on the retry.
      return `Deleted ${path}.`
    }
  })
}

export default server.defineConfig({ plugins: [{ module: './plugins/greeter', options: { greeting: 'Hi' } }] })

async function embed (): Promise<void> {
  const app = Fastify()
  await app.register(server.mcpPlatform, { serverInfo: { name: 'shop', version: '1.0.0' }, state: (limits) => server.createMemoryState(limits) })
  await app.register(greeter, { greeting: 'Welcome' })
  await app.listen({ port: 0 })
  const standalone = await server.buildApp({ plugins: [{ plugin: greeter }] }, { cwd: process.cwd() })
  const config = await server.loadConfig(process.env)
  void standalone; void config; void server.SUPPORTED_VERSIONS.includes(server.LATEST_PROTOCOL_VERSION)
}

const image: server.ImageContent = { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' }
const blocks: server.ContentBlock[] = [{ type: 'text', text: 'A chart:' }, image]
const variable: server.TemplateVariables<'library://books/{isbn}'> = 'isbn'

async function kit (t: testing.Teardown): Promise<void> {
  const app = await testing.buildTestApp(t, { plugins: [{ plugin: greeter, options: { greeting: 'Hi' } }] })
  const client = testing.createInjectClient(app, { era: 'legacy' })
  const result = await client.callTool('greet', { name: 'Ada' })
  if (result.structuredContent.message !== 'Hi, Ada!') throw new Error('unexpected greeting')
  await client.callTool('nope').catch((error: unknown) => { if (!(error instanceof testing.McpRequestError)) throw error })

  const live: testing.TestServer = await testing.startTestServer(t, { plugins: [{ plugin: greeter }] })
  const answer: testing.RawAnswer = await testing.modernRequest(live.url, 'tools/list')
  const session = await testing.legacyInitialize(live.url)
  await testing.legacyRequest(live.url, session, 'tools/call', { name: 'greet', arguments: { name: 'Bo' } })
  const raw = await testing.rawPost(live.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, testing.modernHeaders('ping'))
  const headers = { ...testing.modernHeaders('tools/list'), 'mcp-param-city': testing.encodeHeaderValue('Zürich') }
  const envelope = testing.modernEnvelope({}, { [testing.META.protocolVersion]: testing.MODERN_VERSION })
  const events = testing.parseSse('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n')
  const options: testing.ModernRequestOptions = { capabilities: {} }
  const inject: testing.InjectClientOptions = { era: 'legacy', protocolVersion: testing.LEGACY_VERSION }
  const done = testing.deferred()
  done.resolve()
  await testing.within(done.promise, 1000, 'done')
  await testing.until(() => answer.status === 200, 1000, 'the answer')
  const fetched = await testing.readAnswer(await fetch(live.url, { method: 'POST', body: '{}' }))
  const used: unknown[] = [raw, headers, envelope, events, options, inject, fetched, testing.TEST_STATE_SECRET]
  void used
}

// Referenced so that the examples' names are used.
export { blocks, careful, composer, deleter, embed, greeter, kit, library, maintenance, schemas, slow, variable }
