/**
 * Long-lived HTTP streams (a legacy GET stream, a `subscriptions/listen`
 * stream) opened with a credential that expires are cut when it does, as a
 * WebSocket is closed: the client reconnects, and so shows a fresh token.
 */
import type { ServerResponse } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import type { Principal } from '../../registry/types.ts'

export function cutAtExpiry (raw: ServerResponse, principal: Principal | undefined, log: FastifyBaseLogger): void {
  const at = principal?.expiresAt
  if (at === undefined) return
  const timer = setTimeout(() => {
    if (raw.destroyed) return
    log.info('HTTP stream closed: its access token expired')
    raw.destroy()
  }, Math.max(0, Math.min(at - Date.now(), 2 ** 31 - 1)))
  timer.unref()
  raw.once('close', () => { clearTimeout(timer) })
}
