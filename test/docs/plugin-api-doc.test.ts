/**
 * docs/plugin-api.md stays complete and its examples compile: every export
 * of `@mcp-platform/server` and `@mcp-platform/server/testing` (as the
 * TypeScript compiler sees them) is named in the doc, and every ```ts block
 * of the doc appears verbatim in test/types/plugin-api-docs.ts, which
 * `npm run typecheck` compiles.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import ts from 'typescript'
import { ROOT } from '../helpers/server-process.ts'

const doc = readFileSync(join(ROOT, 'docs/plugin-api.md'), 'utf8')
const examples = readFileSync(join(ROOT, 'test/types/plugin-api-docs.ts'), 'utf8')

function exportsOf (files: string[]): Map<string, string[]> {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    noResolve: false
  })
  const checker = program.getTypeChecker()
  const found = new Map<string, string[]>()
  for (const file of files) {
    const source = program.getSourceFile(file)
    const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source)
    found.set(file, symbol === undefined ? [] : checker.getExportsOfModule(symbol).map((s) => s.getName()).filter((name) => name !== 'default'))
  }
  return found
}

t.test('every public export is named in docs/plugin-api.md', async (t) => {
  const entries = {
    '@mcp-platform/server': join(ROOT, 'apps/server/src/index.ts'),
    '@mcp-platform/server/testing': join(ROOT, 'apps/server/src/testing/index.ts')
  }
  const found = exportsOf(Object.values(entries))
  for (const [entry, file] of Object.entries(entries)) {
    const names = found.get(file)!
    t.ok(names.length > 20, `${entry} has its exports (${names.length})`)
    const missing = names.filter((name) => !new RegExp('`[^`\\n]*\\b' + name + '\\b[^`\\n]*`').test(doc))
    t.same(missing, [], `every export of ${entry} is named (in backticks) in docs/plugin-api.md`)
  }
})

t.test('every example of the doc is compiled by the type tests', async (t) => {
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1])
  t.ok(blocks.length >= 10, `the doc has its examples (${blocks.length})`)
  for (const block of blocks) {
    t.ok(examples.includes(block), `appears verbatim in test/types/plugin-api-docs.ts: ${block.split('\n')[0]}`)
  }
})
