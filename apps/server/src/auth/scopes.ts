/** The scopes a token grants: `scope` (RFC 8693/9068: space-separated) or `scp` (an array, as some providers send). */
export function scopesOf (claims: Record<string, unknown>): string[] {
  const { scope, scp } = claims
  const list = typeof scope === 'string'
    ? scope.split(' ')
    : Array.isArray(scp) ? scp.filter((item): item is string => typeof item === 'string') : typeof scp === 'string' ? scp.split(' ') : []
  // Sorted and unique: equal grants give equal keys for the per-scope-set list cache.
  return [...new Set(list.filter((item) => item !== ''))].sort()
}
