// Module resolution hook for node20-globsync.mjs.
import fs from 'node:fs'

const SHIM = 'node20-globsync:fs'

export async function resolve (specifier, context, next) {
  const fromConformance = context.parentURL?.includes('/@modelcontextprotocol/conformance/') === true
  if (fromConformance && (specifier === 'fs' || specifier === 'node:fs') && typeof fs.globSync !== 'function') {
    return { url: SHIM, shortCircuit: true }
  }
  return next(specifier, context)
}

export async function load (url, context, next) {
  if (url !== SHIM) return next(url, context)
  const source = `
import fs from 'node:fs'
import { join, relative, sep } from 'node:path'
export * from 'node:fs'
export default fs
// Enough of fs.globSync for the CLI: '*' and '**' path segments, relative to cwd.
export function globSync (pattern, options = {}) {
  const cwd = options.cwd ?? process.cwd()
  const toRegExp = (glob) => new RegExp('^' + glob.split('/').map((part) => part === '**'
    ? '(?:.*)'
    : part.replace(/[.+^\${}()|[\\]\\\\]/g, '\\\\$&').replace(/\\*/g, '[^/]*').replace(/\\?/g, '[^/]')).join('/').replace('(?:.*)/', '(?:.*/)?') + '$')
  const patterns = (Array.isArray(pattern) ? pattern : [pattern]).map(toRegExp)
  const found = []
  const walk = (dir) => {
    let entries = []
    try { entries = fs.readdirSync(dir, { withFileTypes: true }) } catch { return }
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue
      const path = join(dir, entry.name)
      const rel = relative(cwd, path).split(sep).join('/')
      if (patterns.some((p) => p.test(rel))) found.push(rel)
      if (entry.isDirectory()) walk(path)
    }
  }
  walk(cwd)
  return found
}
`
  return { format: 'module', source, shortCircuit: true }
}
