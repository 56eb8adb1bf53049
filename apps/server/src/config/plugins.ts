/**
 * Finds the Fastify plugin of a config entry: an imported function, a
 * package name, or a path (a file, or a folder with a package.json or an
 * index file). Paths are relative to the working directory. Then registers
 * it, in its own encapsulated context, so that a failure names the plugin and
 * its file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import {
  MCP_ERR_PLUGIN_LOAD, MCP_ERR_PLUGIN_NO_ENTRY, MCP_ERR_PLUGIN_NO_EXPORT, MCP_ERR_PLUGIN_NOT_FOUND, MCP_ERR_PLUGIN_REGISTER,
  isHostError
} from '../errors.ts'
import { kPluginConcurrency, kPluginOwner } from '../registry/plugin.ts'
import type { PluginEntry } from './schema.ts'

export interface LoadedPlugin {
  name: string
  plugin: FastifyPluginAsync<Record<string, unknown>>
  options: Record<string, unknown>
  /** The file the plugin was imported from (entries given as a path or a package; not imported functions). */
  file?: string
  /** `limits.concurrency` of the entry: the cap of each of its tools that sets none. */
  concurrency?: number
}

const INDEX_FILES = ['index.ts', 'index.js', 'src/index.ts', 'src/index.js']

/** The export conditions this process resolves with, as Node does: its own `--conditions`, then the usual ones. */
const CONDITIONS = [
  ...[...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
    .flatMap((arg) => arg.startsWith('--conditions=') ? [arg.slice('--conditions='.length)] : []),
  'import', 'node', 'default'
]

/** The file a package's "." export names for this process (conditional exports included). */
function pickCondition (exported: unknown): string | undefined {
  if (typeof exported === 'string') return exported
  if (exported === null || typeof exported !== 'object' || Array.isArray(exported)) return undefined
  for (const [condition, target] of Object.entries(exported)) {
    if (CONDITIONS.includes(condition)) {
      const file = pickCondition(target)
      if (file !== undefined) return file
    }
  }
  return undefined
}

function entryFile (spec: string, folder: string): string {
  const manifest = join(folder, 'package.json')
  if (existsSync(manifest)) {
    let pkg: { exports?: unknown, main?: string }
    try {
      pkg = JSON.parse(readFileSync(manifest, 'utf8')) as typeof pkg
    } catch (error) {
      throw new MCP_ERR_PLUGIN_LOAD(spec, manifest, `its package.json is not valid JSON (${messageOf(error)})`, { cause: error })
    }
    const exported = typeof pkg.exports === 'string' || Array.isArray(pkg.exports)
      ? pkg.exports
      : (pkg.exports as Record<string, unknown> | undefined)?.['.'] ?? pkg.exports
    const target = pickCondition(exported) ?? pkg.main
    if (typeof target === 'string') {
      const file = join(folder, target)
      if (!existsSync(file)) throw new MCP_ERR_PLUGIN_NO_ENTRY(spec, `${manifest} names ${target}, and ${file} does not exist`)
      return file
    }
  }
  for (const file of INDEX_FILES) {
    if (existsSync(join(folder, file))) return join(folder, file)
  }
  throw new MCP_ERR_PLUGIN_NO_ENTRY(spec, `the folder ${folder} has no package.json "exports" or "main" and no ${INDEX_FILES.join(' / ')}`)
}

/** The URL to import for a package name, resolved as `import()` from here would; MCP_ERR_PLUGIN_NOT_FOUND if there is none. */
function resolvePackage (spec: string, cwd: string): string {
  try {
    return import.meta.resolve(spec)
  } catch (error) {
    const workspace = unlinkedWorkspace(spec, cwd)
    const detail = workspace !== undefined
      ? `the workspace ${workspace} is named "${spec}", but npm has not linked it into node_modules yet: run npm install once (or list it by path, { module: './${workspace}' })`
      : messageOf(error)
    throw new MCP_ERR_PLUGIN_NOT_FOUND(spec, detail, { cause: error })
  }
}

/**
 * A workspace folder of the project in `cwd` whose package is named `spec`:
 * a plugin just added to the repository, before the `npm install` that links
 * workspaces, is the common case of a package name that does not resolve.
 * Only `<folder>/*` workspace patterns are looked at (what this repository uses).
 */
function unlinkedWorkspace (spec: string, cwd: string): string | undefined {
  try {
    const { workspaces } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { workspaces?: unknown }
    if (!Array.isArray(workspaces)) return undefined
    for (const pattern of workspaces) {
      if (typeof pattern !== 'string' || !pattern.endsWith('/*')) continue
      const parent = pattern.slice(0, -2)
      for (const entry of readdirSync(join(cwd, parent), { withFileTypes: true })) {
        if (!entry.isDirectory()) continue
        const manifest = join(cwd, parent, entry.name, 'package.json')
        if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === spec) return `${parent}/${entry.name}`
      }
    }
  } catch {
    // No readable package.json or folder: nothing more to say than Node's own message.
  }
  return undefined
}

/** Where a `{ module }` entry's plugin is, without importing it (an isolated plugin is imported in its worker or process). */
export function resolvePlugin (spec: string, cwd: string): { url: string, file: string | undefined } {
  let url: string
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const path = resolve(cwd, spec)
    if (!existsSync(path)) throw new MCP_ERR_PLUGIN_NOT_FOUND(spec, `${path} does not exist`)
    url = pathToFileURL(statSync(path).isDirectory() ? entryFile(spec, path) : path).href
  } else {
    url = resolvePackage(spec, cwd)
  }
  return { url, file: url.startsWith('file:') ? fileURLToPath(url) : undefined }
}

export async function loadPlugin (entry: PluginEntry, cwd: string): Promise<LoadedPlugin> {
  const options = entry.options ?? {}
  const concurrency = entry.limits?.concurrency
  if ('plugin' in entry) {
    return { name: entry.name ?? (entry.plugin.name || 'anonymous plugin'), plugin: entry.plugin as FastifyPluginAsync<Record<string, unknown>>, options, concurrency }
  }
  const spec = entry.module
  const { url, file } = resolvePlugin(spec, cwd)
  const where = file ?? url
  let mod: { default?: unknown, plugin?: unknown }
  try {
    mod = await import(url) as typeof mod
  } catch (error) {
    throw new MCP_ERR_PLUGIN_LOAD(spec, where, messageOf(error), { cause: error })
  }
  const plugin = mod.default ?? mod.plugin
  if (typeof plugin !== 'function') {
    const found = plugin === undefined ? 'no default export' : `a default export of type ${plugin === null ? 'null' : typeof plugin}`
    throw new MCP_ERR_PLUGIN_NO_EXPORT(spec, where, found)
  }
  return { name: entry.name ?? spec, plugin: plugin as FastifyPluginAsync<Record<string, unknown>>, options, file, concurrency }
}

/**
 * Registers a tool plugin in its own encapsulated context, named for error
 * messages and attributed (`kPluginOwner`) so that the registry names it.
 * Whatever the plugin (or a child plugin it registers, awaited or not) throws
 * while registering becomes MCP_ERR_PLUGIN_REGISTER, naming the plugin and its
 * file, with the original error as `cause`; host errors (a duplicate tool, an
 * invalid schema, ...) already name the plugin and pass unchanged.
 */
export function registerToolPlugin (app: FastifyInstance, loaded: LoadedPlugin): void {
  const { name, plugin, options, file, concurrency } = loaded
  const wrapper = async function (instance: FastifyInstance, opts: Record<string, unknown>) {
    (instance as unknown as Record<symbol, string>)[kPluginOwner] = name
    if (concurrency !== undefined) (instance as unknown as Record<symbol, number>)[kPluginConcurrency] = concurrency
    try {
      await plugin(instance, opts)
      // Children the plugin registered without awaiting load now, so their failures are attributed too.
      await instance.after()
    } catch (error) {
      if (isHostError(error)) throw error
      throw new MCP_ERR_PLUGIN_REGISTER(name, file ?? 'a function given in the configuration', messageOf(error), { cause: error })
    }
  }
  Object.defineProperty(wrapper, 'name', { value: name })
  app.register(wrapper, options)
}

function messageOf (error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
