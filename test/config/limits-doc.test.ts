/** docs/limits.md lists every limit with its environment variable and default, as the schema and the loader have them. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { LimitsSchema } from '../../apps/server/src/config/schema.ts'
import { ENVIRONMENT } from '../../apps/server/src/config/load.ts'
import { ROOT } from '../helpers/server-process.ts'

t.test('every limit is documented with its variable and its default', async (t) => {
  const doc = readFileSync(join(ROOT, 'docs/limits.md'), 'utf8')
  const rows = new Map([...doc.matchAll(/^\| `(\w+)` \| `(\w*)` \| ([\d,]+) \|/gm)].map((m) => [m[1], { env: m[2], value: Number(m[3].replaceAll(',', '')) }]))
  const properties = LimitsSchema.properties as Record<string, { default: number }>
  t.same([...rows.keys()].sort(), Object.keys(properties).sort(), 'one row per limit, no more')
  for (const [name, schema] of Object.entries(properties)) {
    const row = rows.get(name)
    t.equal(row?.value, schema.default, `${name}: the documented default is the schema's`)
    const variable = ENVIRONMENT.find((entry) => entry.path === `limits.${name}`)?.name
    t.equal(row?.env, variable, `${name}: set from ${variable}`)
  }
})
