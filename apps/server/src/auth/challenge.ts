/**
 * `WWW-Authenticate` values (RFC 6750 §3, RFC 9728 §5.1). With OAuth (jwt
 * mode) every challenge names the protected resource metadata, so a client
 * can discover the authorization server from its first 401.
 */
export interface ChallengeSettings {
  /** The RFC 9728 metadata URL; undefined without OAuth (API keys). */
  metadataUrl: string | undefined
  /** Scopes to ask for on a 401 (`scope="…"`). */
  scopesSupported: readonly string[] | undefined
}

/** A quoted-string (RFC 9110 §5.6.4) without the characters that would need escaping. */
function quoted (value: string): string {
  return `"${value.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, ' ').slice(0, 300)}"`
}

export interface Challenges {
  /** A 401: no token (`error` undefined), or a token that failed (`invalid_token`), or one sent wrongly (`invalid_request`). */
  unauthorized (error?: 'invalid_token' | 'invalid_request', description?: string): string
  /** A 403 for a valid token without the scopes a target needs. */
  insufficientScope (scopes: readonly string[]): string
}

export function createChallenges (settings: ChallengeSettings): Challenges {
  const resource = settings.metadataUrl !== undefined ? `resource_metadata=${quoted(settings.metadataUrl)}` : 'realm="mcp"'
  const scope = settings.scopesSupported !== undefined && settings.scopesSupported.length > 0
    ? `, scope=${quoted(settings.scopesSupported.join(' '))}`
    : ''
  const bare = `Bearer ${resource}${scope}`
  return {
    unauthorized (error, description) {
      if (error === undefined) return bare
      return `${bare}, error="${error}"${description !== undefined ? `, error_description=${quoted(description)}` : ''}`
    },
    insufficientScope (scopes) {
      return `Bearer error="insufficient_scope", scope=${quoted(scopes.join(' '))}, ${resource}, error_description="the token lacks a required scope"`
    }
  }
}
