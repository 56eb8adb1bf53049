/**
 * The check of a plugin entry's isolation settings (entries may hold
 * functions, so they are not validated with the rest of the configuration).
 * MCP_PLUGINS's JSON form is read in env-plugins.ts.
 */
import { Value } from '@sinclair/typebox/value'
import { PluginIsolationSchema, type PluginEntry } from './schema.ts'

/** What is wrong with an entry's `isolate`, `limits` and `permissions`, as lines of the configuration error. */
export function isolationProblems (entry: PluginEntry, at: string): string[] {
  const { isolate, limits, permissions } = entry as { isolate?: unknown, limits?: unknown, permissions?: unknown }
  if ('plugin' in entry) {
    if (isolate !== undefined) return [`${at}: "isolate" needs a { module } entry (an imported function cannot be sent to a worker or a process): name its package or file instead`]
    const { concurrency, ...other } = (limits ?? {}) as Record<string, unknown>
    if (Object.keys(other).length > 0) return [`${at}: limits.${Object.keys(other)[0]} applies to isolated plugins only; an imported function runs in-process (only limits.concurrency applies)`]
    return concurrency === undefined || (Number.isInteger(concurrency) && (concurrency as number) >= 1) ? [] : [`${at}: limits.concurrency must be an integer of at least 1, got ${JSON.stringify(concurrency)}`]
  }
  const problems = [...Value.Errors(PluginIsolationSchema, { isolate, limits, permissions })].map((error) => {
    const path = error.path.slice(1).replaceAll('/', '.')
    const message = path === 'isolate' ? 'must be "worker" or "process"' : error.message
    return `${at}: ${path}: ${message}, got ${JSON.stringify(error.value)}`
  })
  const unenforced = Object.keys((limits ?? {}) as object).filter((key) => key !== 'concurrency')
  if (problems.length === 0 && isolate === undefined && unenforced.length > 0) {
    problems.push(`${at}: limits.${unenforced[0]} needs "isolate" ("worker" or "process"): an in-process plugin shares the host's heap and CPU (only limits.concurrency applies)`)
  }
  if (problems.length === 0 && permissions !== undefined && isolate !== 'process') {
    problems.push(`${at}: "permissions" applies to isolate: "process" only (a worker shares the host process's permissions)`)
  }
  return [...new Set(problems)]
}
