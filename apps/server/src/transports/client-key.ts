/** Who a request counts against for per-client quotas: its principal when authenticated, else its address. */
import type { Principal } from '../registry/types.ts'

export function clientKeyOf (principal: Principal | undefined, address: string | undefined): string {
  return principal !== undefined ? `principal:${principal.id}` : `address:${address ?? 'unknown'}`
}
