/**
 * A temporary copy of the workspace for tests that write into it (the
 * scaffold, dev mode): the root files and scripts are copied, `apps/` and
 * `node_modules/` are symlinks to this checkout's (read, never written), and
 * `plugins/` is a real folder holding copies of the plugins asked for. Removed
 * when the test ends. Tests never edit the repository's own files.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { ROOT } from './server-process.ts'

const ROOT_FILES = ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.build.json', 'fastify.config.ts', 'eslint.config.js']

export function copyWorkspace (t: Test, plugins: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-workspace-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const file of ROOT_FILES) cpSync(join(ROOT, file), join(dir, file))
  cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  symlinkSync(join(ROOT, 'apps'), join(dir, 'apps'), 'dir')
  mkdirSync(join(dir, 'plugins'))
  for (const plugin of plugins) {
    cpSync(join(ROOT, 'plugins', plugin), join(dir, 'plugins', plugin), { recursive: true, filter: (source) => !/[/\\](node_modules|dist)$/.test(source) })
  }
  return dir
}

/** The environment for a child process, without the variables of the tap run around it (a nested tap would report into it). */
export function childEnv (extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^_?TAP/.test(key) && key !== 'NODE_OPTIONS') env[key] = value
  }
  return { ...env, ...extra }
}
