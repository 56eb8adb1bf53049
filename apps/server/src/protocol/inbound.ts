/**
 * The first look at a parsed message: its JSON-RPC kind and, for requests and
 * notifications, its protocol era. The rule is the spec's (versioning page):
 * a message whose `_meta` claims a protocol version is served by that
 * version's era; `initialize` opens a legacy session; anything else belongs
 * to the legacy session it arrives in.
 */
import { classifyMessage, type MessageKind, type RequestId } from './jsonrpc.ts'
import { LEGACY_VERSIONS, META, type Era } from './versions.ts'

export interface Inbound {
  readonly kind: MessageKind
  readonly message: Record<string, unknown>
  readonly id: RequestId | undefined
  readonly method: string | undefined
  readonly params: Record<string, unknown>
  /** The request's `_meta`, if any. */
  readonly meta: Record<string, unknown> | undefined
  readonly era: Era
  /** The protocol version the message claims in `_meta`, if it does. */
  readonly claimedVersion: unknown
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>

export function readInbound (message: unknown): Inbound {
  const kind = classifyMessage(message)
  const m = message as Record<string, unknown>
  const params = (m.params as Record<string, unknown> | undefined) ?? EMPTY
  const meta = typeof params._meta === 'object' && params._meta !== null ? params._meta as Record<string, unknown> : undefined
  const claimed = meta === undefined ? undefined : meta[META.protocolVersion]
  let era: Era = 'legacy'
  if (kind !== 'response' && claimed !== undefined) {
    // Only a legacy revision this server speaks makes a claim legacy. Anything else (a
    // modern revision, an unknown one such as "1900-01-01", a non-string) is a modern
    // claim: the core answers an unknown one with UnsupportedProtocolVersion (-32022),
    // which is how a dual-era client recognises a modern server and retries.
    era = typeof claimed === 'string' && LEGACY_VERSIONS.includes(claimed) ? 'legacy' : 'modern'
  }
  return {
    kind,
    message: m,
    id: kind === 'notification' ? undefined : m.id as RequestId,
    method: kind === 'response' ? undefined : m.method as string,
    params,
    meta,
    era,
    claimedVersion: claimed
  }
}
