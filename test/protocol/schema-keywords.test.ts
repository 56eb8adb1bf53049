/**
 * A listed inputSchema keeps every JSON Schema 2020-12 keyword the plugin
 * gave (the registry may add, never strip): composition, conditionals and
 * `$anchor` included, on both eras; and the schema still validates calls.
 */
import { Type } from '@sinclair/typebox'
import t from 'tap'
import { buildTestApp, createInjectClient } from '@mcp-platform/server/testing'

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { city: { type: 'string' } } } },
  properties: {
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
    tags: { type: 'array', prefixItems: [{ type: 'string' }], unevaluatedItems: false }
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  oneOf: [{ required: ['contactMethod'] }, { not: { required: ['contactMethod'] } }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  dependentRequired: { phone: ['contactMethod'] },
  additionalProperties: false,
  'x-vendor-note': 'kept too'
}

t.test('tools/list returns the inputSchema with every keyword, both eras; the keywords still validate', async (t) => {
  const app = await buildTestApp(t, {
    plugins: [{
      plugin: async (app: any) => {
        app.mcp.tool({ name: 'contact', description: 'Schema keywords', input: Type.Unsafe(structuredClone(SCHEMA)), handler: () => 'ok' })
      }
    }]
  })
  for (const era of ['modern', 'legacy'] as const) {
    const client = createInjectClient(app, { era })
    const { tools } = await client.listTools()
    t.same(tools.find((tool: any) => tool.name === 'contact').inputSchema, SCHEMA, `${era}: the schema as given`)
  }
  const client = createInjectClient(app)
  t.notOk((await client.callTool('contact', { email: 'a@b.c' })).isError, 'valid arguments pass')
  const refused = await client.callTool('contact', { contactMethod: 'phone', email: 'a@b.c' })
  t.equal(refused.isError, true, 'if/then is enforced: contactMethod phone needs a phone')
})
