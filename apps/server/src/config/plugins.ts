/**
 * Finds the Fastify plugin of a config entry: an imported function, a
 * package name, or a path (a file, or a folder with a package.json or an
 * index file). Paths are relative to the working directory.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'
import type { PluginEntry } from './schema.ts'

export interface LoadedPlugin {
  name: string
  plugin: FastifyPluginAsync<Record<string, unknown>>
  options: Record<string, unknown>
}

const INDEX_FILES = ['index.ts', 'index.js', 'src/index.ts', 'src/index.js']

function entryFile (folder: string): string {
  const manifest = join(folder, 'package.json')
  if (existsSync(manifest)) {
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown, main?: string }
    const exported = typeof pkg.exports === 'string'
      ? pkg.exports
      : (pkg.exports as Record<string, unknown> | undefined)?.['.']
    const target = typeof exported === 'string' ? exported : pkg.main
    if (typeof target === 'string') return join(folder, target)
  }
  for (const file of INDEX_FILES) {
    if (existsSync(join(folder, file))) return join(folder, file)
  }
  throw new Error(`Plugin folder ${folder} has no package.json entry point and no ${INDEX_FILES.join(' / ')}`)
}

export async function loadPlugin (entry: PluginEntry, cwd: string): Promise<LoadedPlugin> {
  const options = entry.options ?? {}
  if ('plugin' in entry) {
    return { name: entry.name ?? (entry.plugin.name || 'anonymous plugin'), plugin: entry.plugin as FastifyPluginAsync<Record<string, unknown>>, options }
  }
  const spec = entry.module
  let url = spec
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const path = resolve(cwd, spec)
    if (!existsSync(path)) throw new Error(`Plugin "${spec}" not found: ${path} does not exist`)
    url = pathToFileURL(statSync(path).isDirectory() ? entryFile(path) : path).href
  }
  let mod: { default?: unknown, plugin?: unknown }
  try {
    mod = await import(url) as typeof mod
  } catch (error) {
    throw new Error(`Plugin "${spec}" could not be loaded: ${(error as Error).message}`, { cause: error })
  }
  const plugin = mod.default ?? mod.plugin
  if (typeof plugin !== 'function') {
    throw new Error(`Plugin "${spec}" does not export a Fastify plugin (a function as its default export)`)
  }
  return { name: entry.name ?? spec, plugin: plugin as FastifyPluginAsync<Record<string, unknown>>, options }
}
