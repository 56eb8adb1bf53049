/**
 * Protocol revisions this server speaks, per era (see the spec's versioning
 * page): modern revisions carry their version in every request's `_meta`;
 * legacy revisions negotiate it once, in `initialize`.
 */
export const LATEST_PROTOCOL_VERSION = '2026-07-28'

export const MODERN_VERSIONS: readonly string[] = ['2026-07-28']

/** Newest first: `initialize` answers with the client's version if listed, else the first. */
export const LEGACY_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26']

export const SUPPORTED_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS]

/** Revisions are ISO dates, so a string comparison orders them. */
export function isModernVersion (version: string): boolean {
  return version >= '2026-07-28'
}

/** Legacy HTTP clients that predate the version header are 2025-03-26 clients. */
export const DEFAULT_LEGACY_VERSION = '2025-03-26'

export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId'
} as const

/** Modern messages carry their version in `_meta`; legacy ones belong to a session opened by `initialize`. */
export type Era = 'modern' | 'legacy'
