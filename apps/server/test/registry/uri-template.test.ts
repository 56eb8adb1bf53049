import t from 'tap'
import { compileTemplate } from '../../src/registry/uri-template.ts'

t.test('simple variables match one path segment, decoded', async (t) => {
  const template = compileTemplate('db://tables/{table}/rows/{id}')
  t.same(template.variables, ['table', 'id'])
  t.same(template.match('db://tables/customers/rows/42'), { table: 'customers', id: '42' })
  t.same(template.match('db://tables/a%20b/rows/1'), { table: 'a b', id: '1' })
  t.equal(template.match('db://tables/a/b/rows/1'), undefined, 'no slash in a simple variable')
  t.equal(template.match('db://tables/customers'), undefined)
})

t.test('reserved expansion may span segments', async (t) => {
  t.same(compileTemplate('file:///{+path}').match('file:///src/app.ts'), { path: 'src/app.ts' })
})

t.test('query expansions are optional and read by name', async (t) => {
  const template = compileTemplate('search://items{?q,limit}')
  t.same(template.match('search://items?limit=5&q=red'), { q: 'red', limit: '5' })
  t.same(template.match('search://items'), {})
})

t.test('literal characters are not patterns', async (t) => {
  t.equal(compileTemplate('a.b://x/{id}').match('aXb://x/1'), undefined)
})
