/**
 * Fresh imports of a plugin's files after they change. ESM caches a module
 * by URL for the life of the process, so a reload imports every file under
 * the plugin's folder under a new URL: a resolve hook (module.registerHooks,
 * synchronous and in this thread) adds `?mcp-dev=<n>` to the URL of each
 * file inside a watched folder, n being that folder's reload count. Files
 * outside (fastify, TypeBox, the host) and the plugin's own node_modules keep
 * their one instance. Old versions stay in the module cache: fine for a
 * development process, which is why this runs only in dev mode.
 */
import { registerHooks } from 'node:module'
import { sep } from 'node:path'
import { pathToFileURL } from 'node:url'

const versions = new Map<string, number>()
let installed = false

function install (): void {
  if (installed) return
  installed = true
  registerHooks({
    resolve (specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context)
      if (versions.size === 0 || !resolved.url.startsWith('file:') || resolved.url.includes('/node_modules/')) return resolved
      for (const [folder, version] of versions) {
        if (version > 0 && resolved.url.startsWith(folder)) {
          const url = new URL(resolved.url)
          url.searchParams.set('mcp-dev', String(version))
          return { ...resolved, url: url.href }
        }
      }
      return resolved
    }
  })
}

/** Starts versioning the files under `folder`; the next import of them after `bump` gets new modules. */
export function watchImports (folder: string): { bump (): void } {
  install()
  const key = pathToFileURL(folder.endsWith(sep) ? folder : folder + sep).href
  if (!versions.has(key)) versions.set(key, 0)
  return { bump: () => { versions.set(key, (versions.get(key) ?? 0) + 1) } }
}
