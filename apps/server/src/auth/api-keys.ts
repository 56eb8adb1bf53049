/**
 * API keys for service-to-service callers without an identity provider. The
 * file holds only SHA-256 hashes of the keys, each mapped to a principal and
 * its scopes; a presented key is hashed and compared with every stored hash in
 * constant time (no early exit, so timing tells nothing about which or how
 * many match). Keys are long random strings, so a fast hash suffices.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { MCP_ERR_API_KEYS_FILE } from '../errors.ts'
import type { Principal } from '../registry/types.ts'
import { ApiKeySchema, type ApiKey } from './options.ts'

const FileSchema = Type.Object({ keys: Type.Array(ApiKeySchema) }, { additionalProperties: false })

/** Reads and checks an API keys file: `{ "keys": [{ "sha256", "principal", "scopes" }] }`. */
export async function loadApiKeys (file: string): Promise<ApiKey[]> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new MCP_ERR_API_KEYS_FILE(file, (error as Error).message)
  }
  const withDefaults = Value.Default(FileSchema, parsed)
  const problems = [...Value.Errors(FileSchema, withDefaults)].map((error) => `${error.path || '(file)'}: ${error.message}`)
  if (problems.length > 0) throw new MCP_ERR_API_KEYS_FILE(file, problems.slice(0, 5).join('; '))
  return (withDefaults as { keys: ApiKey[] }).keys
}

export function hashApiKey (key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

export interface ApiKeyChecker {
  /** The principal a key stands for, or undefined. */
  check (key: string): Principal | undefined
}

export function createApiKeyChecker (keys: readonly ApiKey[]): ApiKeyChecker {
  const entries = keys.map((key) => ({
    hash: Buffer.from(key.sha256, 'hex'),
    principal: { id: key.principal, scopes: [...new Set(key.scopes)].sort(), via: 'apikey' as const }
  }))
  return {
    check (key) {
      const presented = createHash('sha256').update(key).digest()
      let found: Principal | undefined
      for (const entry of entries) {
        // Every entry is compared, match or not.
        if (timingSafeEqual(presented, entry.hash) && found === undefined) found = entry.principal
      }
      return found
    }
  }
}
