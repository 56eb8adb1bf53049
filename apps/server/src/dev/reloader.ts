/**
 * Dev mode's plugin loading: each configured plugin runs in a detached
 * Fastify context of its own (not a child of the server, so it can be thrown
 * away), whose `app.mcp` records into the server's registry through a
 * PluginVersion. When a file under the plugin's folder changes, the plugin is
 * imported afresh (cache-busting.ts), run in a new context, and swapped in
 * on success; the old context is then closed (its onClose hooks run: pools,
 * timers). A version that fails to import or register is closed and logged,
 * and the old one keeps serving. The registry's changes reach connected
 * clients as notifications/{tools,resources,prompts}/list_changed.
 *
 * It calls the normal loader (loadPlugin, registerToolPlugin), so errors are
 * the ones `npm start` gives.
 */
import { existsSync, statSync, watch, type FSWatcher } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { loadPlugin, registerToolPlugin } from '../config/plugins.ts'
import type { PluginEntry } from '../config/schema.ts'
import { isHostError } from '../errors.ts'
import type { Registry } from '../registry/registry.ts'
import { watchImports } from './cache-busting.ts'
import { PluginVersion } from './staging.ts'

/** Changes within this window become one reload (editors write a file in several steps, or several files at once). */
const DEBOUNCE_MS = 150
/** Changes under these folders do not reload: dependencies, build output, tests. */
const IGNORED = /(^|[/\\])(node_modules|dist|\.git|test|coverage)([/\\]|$)/

export interface DevReloaderOptions {
  registry: Registry
  log: FastifyBaseLogger
  /** Where relative plugin paths are resolved. */
  cwd: string
  /** Watch the plugins' folders (default true); without, only `reload()` reloads (tests). */
  watch?: boolean
}

interface Slot {
  entry: PluginEntry
  name: string
  version?: { plugin: PluginVersion, context: FastifyInstance }
  folder?: string
  bump?: () => void
  watcher?: FSWatcher
  timer?: NodeJS.Timeout
  /** The reload in progress; a change meanwhile queues one more. */
  running?: Promise<void>
  again?: boolean
}

export interface DevReloader {
  /** Reloads one plugin now (what a file change does); resolves true when the new version serves. */
  reload (name: string): Promise<boolean>
  close (): Promise<void>
}

export async function startDevReloader (entries: PluginEntry[], options: DevReloaderOptions): Promise<DevReloader> {
  const { log } = options
  const slots: Slot[] = entries.map((entry) => ({ entry, name: nameOf(entry) }))
  let closed = false

  async function load (slot: Slot): Promise<boolean> {
    const started = performance.now()
    const plugin = new PluginVersion(slot.name, options.registry, log)
    const context = Fastify({ loggerInstance: log.child({ plugin: slot.name }) })
    context.decorate('mcp', plugin.view())
    try {
      const loaded = await loadPlugin(slot.entry, options.cwd)
      registerToolPlugin(context, loaded)
      await context.ready()
      if (closed) throw new Error('the server is closing')
      plugin.commit(slot.version?.plugin)
    } catch (error) {
      await context.close().catch(() => {})
      // The cause's stack names the file and line that failed (a syntax error in a module the entry imports, say).
      const cause = isHostError(error) && error.cause instanceof Error ? `\ncaused by: ${error.cause.stack ?? error.cause.message}` : ''
      const text = isHostError(error) ? `${error.code}: ${error.message}${cause}` : error instanceof Error ? error.stack ?? error.message : String(error)
      log.error(`${slot.version === undefined ? 'plugin failed to load' : 'plugin reload failed, the previous version keeps serving'}: ${slot.name}\n${text}`)
      return false
    }
    const previous = slot.version
    slot.version = { plugin, context }
    const ms = Math.round(performance.now() - started)
    log.info({ plugin: slot.name, serves: plugin.names(), ms }, `${previous === undefined ? 'plugin loaded' : 'plugin reloaded'}: ${slot.name} (${ms} ms)`)
    if (previous !== undefined) {
      await previous.context.close().catch((error: unknown) => { log.warn({ err: error, plugin: slot.name }, 'the previous version of the plugin failed to close') })
    }
    return true
  }

  async function reload (slot: Slot): Promise<boolean> {
    if (slot.running !== undefined) {
      slot.again = true
      await slot.running
      return slot.version !== undefined
    }
    let ok = false
    const run = (async () => {
      do {
        slot.again = false
        slot.bump?.()
        ok = await load(slot)
        if (closed) break
      } while (slot.again)
    })()
    slot.running = run
    try {
      await run
    } finally {
      slot.running = undefined
    }
    return ok
  }

  for (const slot of slots) {
    await load(slot)
    const folder = folderOf(slot.entry, options.cwd)
    if (folder === undefined) continue
    slot.folder = folder
    slot.bump = watchImports(folder).bump
    if (options.watch === false) continue
    slot.watcher = watch(folder, { recursive: true }, (_event, file) => {
      if (file !== null && IGNORED.test(String(file))) return
      clearTimeout(slot.timer)
      slot.timer = setTimeout(() => {
        log.info({ plugin: slot.name, file: file === null ? undefined : join(relative(options.cwd, folder), String(file)) }, `change in ${slot.name}: reloading`)
        void reload(slot)
      }, DEBOUNCE_MS)
    })
    slot.watcher.on('error', (error) => { log.warn({ err: error, plugin: slot.name }, 'cannot watch the plugin\'s files any more') })
    log.info({ plugin: slot.name, folder }, `watching ${slot.name} for changes`)
  }

  return {
    async reload (name) {
      const slot = slots.find((s) => s.name === name)
      if (slot === undefined) throw new Error(`no plugin named "${name}" (plugins: ${slots.map((s) => s.name).join(', ')})`)
      return await reload(slot)
    },
    async close () {
      closed = true
      for (const slot of slots) {
        clearTimeout(slot.timer)
        slot.watcher?.close()
      }
      await Promise.all(slots.map(async (slot) => {
        await slot.running?.catch(() => {})
        await slot.version?.context.close().catch(() => {})
      }))
    }
  }
}

function nameOf (entry: PluginEntry): string {
  if ('plugin' in entry) return entry.name ?? (entry.plugin.name || 'anonymous plugin')
  return entry.name ?? entry.module
}

/**
 * The folder to watch: the package the plugin's entry file belongs to (the
 * nearest folder with a package.json). Plugins given as functions have none.
 */
function folderOf (entry: PluginEntry, cwd: string): string | undefined {
  if ('plugin' in entry) return undefined
  let file: string
  try {
    file = entry.module.startsWith('.') || entry.module.startsWith('/')
      ? resolve(cwd, entry.module)
      : fileURLToPath(import.meta.resolve(entry.module))
  } catch {
    return undefined
  }
  if (!existsSync(file)) return undefined
  const dir = statSync(file).isDirectory() ? file : dirname(file)
  for (let up = dir; ; up = dirname(up)) {
    if (existsSync(join(up, 'package.json'))) return up
    if (dirname(up) === up) return dir
  }
}
