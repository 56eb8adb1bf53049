/** The four list methods: deterministic order, pagination, caching hints. */
import type { Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { paginate } from './paginate.ts'

function listResult<T extends { listing: Record<string, unknown> }> (
  core: CoreContext,
  call: Call,
  field: string,
  items: readonly T[],
  key: (item: T) => string
): Record<string, unknown> {
  const { page, nextCursor } = paginate(items, call.params.cursor, core.options.pageSize, key)
  const result: Record<string, unknown> = { [field]: page.map((item) => item.listing) }
  if (nextCursor !== undefined) result.nextCursor = nextCursor
  if (call.era === 'modern') {
    result.ttlMs = core.options.listTtlMs
    result.cacheScope = 'public'
  }
  return result
}

export const listTools = (core: CoreContext, call: Call) =>
  listResult(core, call, 'tools', core.registry.sortedTools(), (t) => t.name)

export const listResources = (core: CoreContext, call: Call) =>
  listResult(core, call, 'resources', core.registry.sortedResources(), (r) => r.uri)

export const listResourceTemplates = (core: CoreContext, call: Call) =>
  listResult(core, call, 'resourceTemplates', core.registry.sortedTemplates(), (t) => t.uriTemplate)

export const listPrompts = (core: CoreContext, call: Call) =>
  listResult(core, call, 'prompts', core.registry.sortedPrompts(), (p) => p.name)
