/** A plugin folder given by path resolves through its package's conditional exports, as a package name would. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadPlugin } from '../../apps/server/src/config/plugins.ts'
import { ROOT } from '../helpers/server-process.ts'

t.test('./plugins/calculator under the source condition is its TypeScript entry (compiled, it would be dist/index.js)', async (t) => {
  const loaded = await loadPlugin({ module: './plugins/calculator' }, ROOT)
  t.equal(loaded.file, join(ROOT, 'plugins/calculator/src/index.ts'))
  t.equal(typeof loaded.plugin, 'function')
})

t.test('a package name that is a workspace not linked yet: the error says to run npm install', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'mcp-unlinked-'))
  t.teardown(() => { rmSync(root, { recursive: true, force: true }) })
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'repo', workspaces: ['plugins/*'] }))
  mkdirSync(join(root, 'plugins/greeter'), { recursive: true })
  writeFileSync(join(root, 'plugins/greeter/package.json'), JSON.stringify({ name: '@acme/greeter-not-linked' }))
  await t.rejects(loadPlugin({ module: '@acme/greeter-not-linked' }, root), {
    code: 'MCP_ERR_PLUGIN_NOT_FOUND',
    message: /the workspace plugins\/greeter is named "@acme\/greeter-not-linked", but npm has not linked it into node_modules yet: run npm install once/
  })
})
