/**
 * The list methods: deterministic order whatever the registration order,
 * cursor pagination (stable while the list changes, invalid cursors refused),
 * on both eras and through both reference clients.
 */
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { McpRegistry } from '@mcp-platform/server'
import { legacyInitialize, legacyRequest, MODERN_VERSION, modernRequest, startTestServer } from '@mcp-platform/server/testing'

let registry: McpRegistry | undefined

// Two plugins, registering out of order.
const first: FastifyPluginAsync = async (app) => {
  registry = app.mcp
  for (const name of ['echo', 'bravo', 'delta']) app.mcp.tool({ name, description: name, handler: () => name })
  app.mcp.prompt({ name: 'zeta', handler: () => 'z' })
  app.mcp.resource({ uri: 'test://c', name: 'c', read: () => 'c' })
  app.mcp.resource({ uri: 'test://a', name: 'a', read: () => 'a' })
}
const second: FastifyPluginAsync = async (app) => {
  for (const name of ['charlie', 'alpha']) app.mcp.tool({ name, description: name, handler: () => name })
  app.mcp.prompt({ name: 'eta', handler: () => 'e' })
  app.mcp.resource({ uri: 'test://b', name: 'b', read: () => 'b' })
}

const names = (result: any) => result.tools.map((tool: { name: string }) => tool.name)

t.test('lists', async (t) => {
  const { url } = await startTestServer(t, {
    limits: { pageSize: 2 },
    plugins: [{ plugin: first, name: 'first' }, { plugin: second, name: 'second' }]
  })

  t.test('pagination: pages of 2 by nextCursor, modern era', async (t) => {
    const pages: string[][] = []
    let cursor: string | undefined
    do {
      const answer = await modernRequest(url, 'tools/list', cursor === undefined ? {} : { cursor })
      t.equal(answer.status, 200)
      pages.push(names(answer.response.result))
      cursor = answer.response.result.nextCursor
      if (cursor !== undefined) t.type(cursor, 'string')
    } while (cursor !== undefined && pages.length < 10)
    t.same(pages, [['alpha', 'bravo'], ['charlie', 'delta'], ['echo']], 'sorted, two per page, no cursor on the last page')
  })

  t.test('pagination on the legacy era, and for prompts and resources', async (t) => {
    const session = await legacyInitialize(url)
    const one = await legacyRequest(url, session, 'tools/list')
    t.same(names(one.response.result), ['alpha', 'bravo'])
    const two = await legacyRequest(url, session, 'tools/list', { cursor: one.response.result.nextCursor })
    t.same(names(two.response.result), ['charlie', 'delta'])
    const resources = await modernRequest(url, 'resources/list')
    t.same(resources.response.result.resources.map((r: { uri: string }) => r.uri), ['test://a', 'test://b'])
    const more = await modernRequest(url, 'resources/list', { cursor: resources.response.result.nextCursor })
    t.same(more.response.result.resources.map((r: { uri: string }) => r.uri), ['test://c'])
    t.notOk('nextCursor' in more.response.result)
    const prompts = await modernRequest(url, 'prompts/list')
    t.same(prompts.response.result.prompts.map((p: { name: string }) => p.name), ['eta', 'zeta'])
    t.notOk('nextCursor' in prompts.response.result, 'exactly one full page: no cursor')
  })

  t.test('both reference clients walk every page', async (t) => {
    const modern = new Client({ name: 'pager', version: '1' }, { versionNegotiation: { mode: { pin: MODERN_VERSION } } })
    await modern.connect(new StreamableHTTPClientTransport(url))
    const legacy = new LegacyClient({ name: 'pager', version: '1' })
    await legacy.connect(new LegacyTransport(url))
    t.teardown(async () => { await modern.close().catch(() => {}); await legacy.close().catch(() => {}) })
    t.same(names(await modern.listTools()), ['alpha', 'bravo', 'charlie', 'delta', 'echo'], 'the v2 client aggregates the pages')
    const walked: string[] = []
    let cursor: string | undefined
    do {
      const page = await legacy.listTools(cursor === undefined ? undefined : { cursor })
      walked.push(...names(page))
      cursor = page.nextCursor
    } while (cursor !== undefined)
    t.same(walked, ['alpha', 'bravo', 'charlie', 'delta', 'echo'])
  })

  t.test('a cursor stays valid while the list changes around it', async (t) => {
    const one = await modernRequest(url, 'tools/list')
    const cursor = one.response.result.nextCursor
    const added = registry!.tool({ name: 'aardvark', description: 'before every page', handler: () => 'a' })
    const between = registry!.tool({ name: 'bz', description: 'after bravo', handler: () => 'b' })
    const two = await modernRequest(url, 'tools/list', { cursor })
    t.same(names(two.response.result), ['bz', 'charlie'], 'the next page starts after the last item seen')
    added.remove()
    between.remove()
    const again = await modernRequest(url, 'tools/list', { cursor })
    t.same(names(again.response.result), ['charlie', 'delta'])
  })

  t.test('an invalid cursor: -32602, saying to start over', async (t) => {
    for (const cursor of ['not a cursor!', 'YWxwaGE=', 42, { after: 'alpha' }]) {
      const answer = await modernRequest(url, 'tools/list', { cursor })
      t.equal(answer.response.error?.code, -32602, `${JSON.stringify(cursor)}: -32602`)
      t.match(answer.response.error?.message, /unknown "cursor".*nextCursor of a previous page.*omit it to start over/)
    }
    const session = await legacyInitialize(url)
    const legacy = await legacyRequest(url, session, 'prompts/list', { cursor: '***' })
    t.equal(legacy.response.error?.code, -32602)
  })

  t.test('deterministic order: same answer every time, and after a remove and re-add', async (t) => {
    const answers = await Promise.all([1, 2, 3].map(async () => JSON.stringify((await modernRequest(url, 'tools/list')).response.result.tools)))
    t.equal(new Set(answers).size, 1, 'identical list entries on every call')
    const reg = registry!.tool({ name: 'alpha2', description: 'x', handler: () => 'x' })
    t.same(names((await modernRequest(url, 'tools/list')).response.result), ['alpha', 'alpha2'])
    reg.remove()
    t.same(names((await modernRequest(url, 'tools/list')).response.result), ['alpha', 'bravo'])
    const sorted = ['B', 'a', 'A', 'b', '_z', '10', '9']
    const regs = sorted.map((name) => registry!.tool({ name: `z${name}`, description: name, handler: () => name }))
    const all: string[] = []
    let cursor: string | undefined
    do {
      const page = (await modernRequest(url, 'tools/list', cursor === undefined ? {} : { cursor })).response.result
      all.push(...names(page))
      cursor = page.nextCursor
    } while (cursor !== undefined)
    t.same(all.filter((n) => n.startsWith('z')), ['z10', 'z9', 'zA', 'zB', 'z_z', 'za', 'zb'], 'code-point order')
    for (const r of regs) r.remove()
  })
})
