/** Who a request counts against for per-client quotas: its principal when authenticated, else its address. */
import type { Principal } from '../registry/types.ts'

/**
 * Keys are interned: every session, stream and quota entry of one client
 * shares one string instead of holding its own copy (memory per idle session).
 * Bounded: past MAX_INTERNED distinct keys the table starts over.
 */
const interned = new Map<string, string>()
const MAX_INTERNED = 10_000

export function clientKeyOf (principal: Principal | undefined, address: string | undefined): string {
  const key = principal !== undefined ? `principal:${principal.id}` : `address:${address ?? 'unknown'}`
  const known = interned.get(key)
  if (known !== undefined) return known
  if (interned.size >= MAX_INTERNED) interned.clear()
  interned.set(key, key)
  return key
}
