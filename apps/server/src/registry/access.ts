/**
 * Per-caller access to what plugins registered: an item may require scopes
 * (all of them); a caller holds the scopes of its credential. Without
 * authentication there is no principal and everything is open.
 *
 * Lists are filtered per caller on the hot path, so the filtered arrays are
 * cached per scope set (the principal's sorted scopes joined) and per list
 * snapshot (the registry's sorted arrays are replaced on every change, which
 * drops their entries from the WeakMap): a request allocates nothing when its
 * scope set was seen before, and when no item of a list needs a scope the
 * full list is returned as is.
 */
import { MCP_ERR_INVALID_SCOPES } from '../errors.ts'
import type { Principal } from './types.ts'

const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/
const NONE: readonly string[] = Object.freeze([])
/** Distinct scope sets cached per list; beyond that the cache starts over (many distinct grants are rare). */
const MAX_SCOPE_SETS = 256

/** Checks and normalizes a registration's `scopes`. */
export function requiredScopes (scopes: unknown, what: string, owner: string): readonly string[] {
  if (scopes === undefined) return NONE
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string' && SCOPE.test(scope))) {
    throw new MCP_ERR_INVALID_SCOPES(what, owner)
  }
  return scopes.length === 0 ? NONE : Object.freeze([...new Set(scopes as string[])].sort())
}

/** The scopes of `required` the caller lacks (empty: allowed). */
export function missingScopes (required: readonly string[], principal: Principal | undefined): readonly string[] {
  if (required.length === 0 || principal === undefined) return NONE
  const held = principal.scopes ?? NONE
  let missing: string[] | undefined
  for (const scope of required) {
    if (!held.includes(scope)) (missing ??= []).push(scope)
  }
  return missing ?? NONE
}

interface Scoped { readonly scopes: readonly string[] }

const cache = new WeakMap<readonly Scoped[], Map<string, readonly Scoped[]>>()
const anyScoped = new WeakMap<readonly Scoped[], boolean>()

/** Whether some item of a list requires a scope (the list then differs per caller). */
export function hasScopedItems (items: readonly Scoped[]): boolean {
  let result = anyScoped.get(items)
  if (result === undefined) {
    result = items.some((item) => item.scopes.length > 0)
    anyScoped.set(items, result)
  }
  return result
}

/** The items of a list the caller may use, in the list's order. */
export function visibleTo<T extends Scoped> (items: readonly T[], principal: Principal | undefined): readonly T[] {
  if (principal === undefined || !hasScopedItems(items)) return items
  const key = (principal.scopes ?? NONE).join(' ')
  let bySet = cache.get(items)
  if (bySet === undefined) {
    bySet = new Map()
    cache.set(items, bySet)
  }
  let visible = bySet.get(key) as readonly T[] | undefined
  if (visible === undefined) {
    if (bySet.size >= MAX_SCOPE_SETS) bySet.clear()
    visible = items.filter((item) => missingScopes(item.scopes, principal).length === 0)
    bySet.set(key, visible)
  }
  return visible
}
