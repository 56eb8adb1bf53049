/**
 * `x-mcp-header` (2026-07-28, Streamable HTTP "Custom Headers from Tool
 * Parameters"): annotated arguments are mirrored into `Mcp-Param-{Name}`
 * headers, which the server must check against the body (400, -32020); and
 * tool definitions whose annotations break the spec's constraints are refused
 * at registration (clients would silently drop such a tool).
 */
import { Type, type TSchema } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { buildTestApp, encodeHeaderValue, MODERN_VERSION, modernRequest, startTestServer } from '@mcp-platform/server/testing'

const seen: any[] = []

const sql: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'execute_sql',
    description: 'Runs a query in a region',
    input: Type.Object({
      region: Type.String({ 'x-mcp-header': 'Region' }),
      shard: Type.Optional(Type.Integer({ 'x-mcp-header': 'Shard' })),
      dryRun: Type.Optional(Type.Boolean({ 'x-mcp-header': 'Dry-Run' })),
      // Nested, reachable through `properties` only (no explicit "type": "object" on the way).
      target: Type.Optional(Type.Unsafe<{ table?: string }>({ properties: { table: { type: 'string', 'x-mcp-header': 'Table' } } })),
      query: Type.String()
    }),
    handler: (args) => { seen.push(args); return 'ok' }
  })
}

const call = (args: Record<string, unknown>) => ({ name: 'execute_sql', arguments: args })

t.test('Mcp-Param headers are checked against the arguments', async (t) => {
  const { url } = await startTestServer(t, { plugins: [{ plugin: sql, name: 'sql' }] })

  t.test('matching headers are accepted', async (t) => {
    const ok = await modernRequest(url, 'tools/call', call({ region: 'us-west1', shard: 42, dryRun: true, query: 'SELECT 1' }),
      { headers: { 'mcp-param-region': 'us-west1', 'mcp-param-shard': '42', 'mcp-param-dry-run': 'true' } })
    t.equal(ok.status, 200)
    t.same(ok.response.result.content, [{ type: 'text', text: 'ok' }])
    const numeric = await modernRequest(url, 'tools/call', call({ region: 'eu', shard: 42, query: 'q' }),
      { headers: { 'mcp-param-region': 'eu', 'mcp-param-shard': '42.0' } })
    t.equal(numeric.status, 200, 'integers compare numerically (42.0 = 42)')
    const encoded = await modernRequest(url, 'tools/call', call({ region: 'Zürich 東', query: 'q' }),
      { headers: { 'mcp-param-region': encodeHeaderValue('Zürich 東') } })
    t.equal(encoded.status, 200, 'a base64 sentinel value is decoded before comparing')
    const nameCase = await modernRequest(url, 'tools/call', call({ region: 'eu', query: 'q' }), { headers: { 'MCP-PARAM-REGION': 'eu' } })
    t.equal(nameCase.status, 200, 'header names are case-insensitive')
    const absent = await modernRequest(url, 'tools/call', call({ region: 'eu', shard: null, query: 'q' }), { headers: { 'mcp-param-region': 'eu' } })
    t.equal(absent.status, 200, 'null or absent values need no header')
  })

  t.test('missing or different headers: 400, -32020', async (t) => {
    const cases: Array<[string, Record<string, unknown>, Record<string, string>, RegExp]> = [
      ['missing', { region: 'us-west1', query: 'q' }, {}, /Mcp-Param-Region header is required when "region" is given/],
      ['different', { region: 'us-west1', query: 'q' }, { 'mcp-param-region': 'us-east1' }, /Mcp-Param-Region header value 'us-east1' does not match body value 'us-west1'/],
      ['integer', { region: 'eu', shard: 42, query: 'q' }, { 'mcp-param-region': 'eu', 'mcp-param-shard': '43' }, /Mcp-Param-Shard header value '43' does not match body value '42'/],
      ['empty integer', { region: 'eu', shard: 0, query: 'q' }, { 'mcp-param-region': 'eu', 'mcp-param-shard': '' }, /Mcp-Param-Shard/],
      ['boolean', { region: 'eu', dryRun: false, query: 'q' }, { 'mcp-param-region': 'eu', 'mcp-param-dry-run': 'False' }, /Mcp-Param-Dry-Run header value 'False' does not match body value 'false'/],
      ['bad base64', { region: 'eu', query: 'q' }, { 'mcp-param-region': '=?base64?***?=' }, /Mcp-Param-Region header has an invalid =\?base64\?\.\.\.\?= value/],
      ['base64 without its padding', { region: 'Hello', query: 'q' }, { 'mcp-param-region': '=?base64?SGVsbG8?=' }, /Mcp-Param-Region header has an invalid =\?base64\?\.\.\.\?= value/],
      ['encoded, different', { region: 'eu', query: 'q' }, { 'mcp-param-region': encodeHeaderValue('us', { always: true }) }, /does not match body value 'eu'/],
      ['nested', { region: 'eu', target: { table: 'users' }, query: 'q' }, { 'mcp-param-region': 'eu', 'mcp-param-table': 'orders' }, /Mcp-Param-Table header value 'orders' does not match body value 'users'/],
      ['nested, missing', { region: 'eu', target: { table: 'users' }, query: 'q' }, { 'mcp-param-region': 'eu' }, /Mcp-Param-Table header is required when "target\.table" is given/]
    ]
    const before = seen.length
    for (const [what, args, headers, message] of cases) {
      const answer = await modernRequest(url, 'tools/call', call(args), { headers })
      t.equal(answer.status, 400, `${what}: 400`)
      t.equal(answer.response.error.code, -32020, `${what}: -32020`)
      t.match(answer.response.error.message, message, `${what}: message`)
    }
    t.equal(seen.length, before, 'the handler never ran')
  })

  t.test('the v2 client mirrors the annotated arguments itself', async (t) => {
    const client = new Client({ name: 'mirror', version: '1' }, { versionNegotiation: { mode: { pin: MODERN_VERSION } } })
    await client.connect(new StreamableHTTPClientTransport(url))
    t.teardown(async () => { await client.close().catch(() => {}) })
    const { tools } = await client.listTools()
    t.same(tools.map((tool) => tool.name), ['execute_sql'], 'the client accepts the tool definition')
    const result = await client.callTool(call({ region: 'ap-south 1 ', shard: 7, dryRun: false, target: { table: 'users' }, query: 'q' }))
    t.same(result.content, [{ type: 'text', text: 'ok' }])
    t.same(seen.at(-1), { region: 'ap-south 1 ', shard: 7, dryRun: false, target: { table: 'users' }, query: 'q' })
  })
})

t.test('invalid x-mcp-header annotations fail at start, naming the tool and the problem', async (t) => {
  const cases: Array<[string, TSchema, RegExp]> = [
    ['under items', Type.Object({ regions: Type.Array(Type.String({ 'x-mcp-header': 'Region' })) }), /x-mcp-header on "properties\.regions\.items" is not statically reachable through "properties" alone/],
    ['under anyOf', Type.Object({ region: Type.Union([Type.String({ 'x-mcp-header': 'Region' }), Type.Integer()]) }), /x-mcp-header on "properties\.region\.anyOf\.0" is not statically reachable/],
    ['under additionalProperties', Type.Object({}, { additionalProperties: Type.String({ 'x-mcp-header': 'Any' }) }), /x-mcp-header on "additionalProperties" is not statically reachable/],
    ['under $defs', Type.Unsafe({ type: 'object', $defs: { r: { type: 'string', 'x-mcp-header': 'Region' } }, properties: { region: { $ref: '#/$defs/r' } } }), /x-mcp-header on "\$defs\.r" is not statically reachable/],
    ['on a number', Type.Object({ ratio: Type.Number({ 'x-mcp-header': 'Ratio' }) }), /x-mcp-header on "ratio" needs a string, integer or boolean property/],
    ['on an object', Type.Object({ where: Type.Object({}, { 'x-mcp-header': 'Where' }) }), /x-mcp-header on "where" needs a string, integer or boolean/],
    ['not a token', Type.Object({ region: Type.String({ 'x-mcp-header': 'Re gion' }) }), /x-mcp-header "Re gion" on "region" is not a valid header name token/],
    ['empty', Type.Object({ region: Type.String({ 'x-mcp-header': '' }) }), /x-mcp-header "" on "region" is not a valid header name token/],
    ['on the root', Type.Object({ a: Type.String() }, { 'x-mcp-header': 'Root' }), /x-mcp-header on "" is not statically reachable/],
    ['duplicate', Type.Object({ a: Type.String({ 'x-mcp-header': 'Region' }), b: Type.String({ 'x-mcp-header': 'region' }) }), /x-mcp-header "region" is used twice/]
  ]
  for (const [what, input, message] of cases) {
    const plugin: FastifyPluginAsync = async (app) => {
      app.mcp.tool({ name: 'bad_headers', description: what, input, handler: () => 'never' })
    }
    await t.rejects(buildTestApp(t, { plugins: [{ plugin, name: 'header-plugin' }] }),
      { code: 'MCP_ERR_INVALID_HEADER_PARAM', message: new RegExp(`Tool "bad_headers".*${message.source}`) }, what)
  }
})
