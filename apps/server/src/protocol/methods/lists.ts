/** The four list methods: deterministic order, pagination, caching hints. */
import { hasScopedItems, visibleTo } from '../../registry/access.ts'
import type { Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { paginate } from './paginate.ts'

function listResult<T extends { listing: Record<string, unknown>, scopes: readonly string[] }> (
  core: CoreContext,
  call: Call,
  field: string,
  items: readonly T[],
  key: (item: T) => string
): Record<string, unknown> {
  // Each caller sees only what its scopes let it use.
  const visible = visibleTo(items, call.tc.principal)
  const { page, nextCursor } = paginate(visible, call.params.cursor, core.options.pageSize, key)
  const result: Record<string, unknown> = { [field]: page.map((item) => item.listing) }
  if (nextCursor !== undefined) result.nextCursor = nextCursor
  if (call.era === 'modern') {
    result.ttlMs = core.options.listTtlMs
    // A list that depends on the caller's scopes must not be shared between callers.
    result.cacheScope = hasScopedItems(items) ? 'private' : 'public'
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
