/**
 * MCP_PLUGINS: extra plugin entries from the environment, after those of the
 * config file. Two forms:
 *   - a comma-separated list of package names or paths:
 *       MCP_PLUGINS=./greeter,@acme/mcp-tools
 *   - a JSON array of entries, the shape of a config file's `plugins` entry
 *     (so plugins get options without touching any file):
 *       MCP_PLUGINS='[{"module":"./greeter","options":{"greeting":"Hi"}}]'
 * A value starting with `[` is the JSON form. Each entry is checked against
 * the schema of a config file's module entry, so whatever that schema gains
 * is accepted here too.
 */
import { ValueErrorType } from '@sinclair/typebox/errors'
import { Value } from '@sinclair/typebox/value'
import { MCP_ERR_INVALID_CONFIG } from '../errors.ts'
import { ModulePluginEntrySchema, type PluginEntry } from './schema.ts'

const EXAMPLE = '[{"module":"./my-plugin","options":{"key":"value"}}]'

/** The entries MCP_PLUGINS gives (none when unset or blank); MCP_ERR_INVALID_CONFIG naming MCP_PLUGINS when it is wrong. */
export function pluginsFromEnv (raw: string | undefined): PluginEntry[] {
  const text = raw?.trim() ?? ''
  if (text === '') return []
  if (!text.startsWith('[')) {
    return text.split(',').map((item) => item.trim()).filter((item) => item !== '').map((module) => ({ module }))
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new MCP_ERR_INVALID_CONFIG(`  - MCP_PLUGINS: starts with "[", so it must be a JSON array of entries such as ${EXAMPLE}; it is not valid JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(parsed)) throw new MCP_ERR_INVALID_CONFIG(`  - MCP_PLUGINS: must be a JSON array of entries such as ${EXAMPLE}`)
  const problems: string[] = []
  parsed.forEach((entry: unknown, index) => {
    for (const error of Value.Errors(ModulePluginEntrySchema, entry)) {
      const path = error.path === '' ? '' : error.path.slice(1).replaceAll('/', '.')
      const what = error.type === ValueErrorType.ObjectAdditionalProperties ? 'is not a field of a plugin entry (misspelt?)' : error.message
      problems.push(`  - MCP_PLUGINS[${index}]${path !== '' ? `.${path}` : ''}: ${what}, got ${JSON.stringify(path === '' ? entry : error.value)}`)
    }
  })
  if (problems.length > 0) {
    throw new MCP_ERR_INVALID_CONFIG(`${[...new Set(problems)].join('\n')}\n  (each entry: { "module": "<package or path>", "options": { ... } })`)
  }
  return parsed as PluginEntry[]
}
