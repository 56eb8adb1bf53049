/** A plugin folder given by path resolves through its package's conditional exports, as a package name would. */
import { join } from 'node:path'
import t from 'tap'
import { loadPlugin } from '../../apps/server/src/config/plugins.ts'
import { ROOT } from '../helpers/server-process.ts'

t.test('./plugins/calculator under the source condition is its TypeScript entry (compiled, it would be dist/index.js)', async (t) => {
  const loaded = await loadPlugin({ module: './plugins/calculator' }, ROOT)
  t.equal(loaded.file, join(ROOT, 'plugins/calculator/src/index.ts'))
  t.equal(typeof loaded.plugin, 'function')
})
