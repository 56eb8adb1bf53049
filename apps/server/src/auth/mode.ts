/**
 * Which authentication a configuration asks for, and what that mode needs:
 * one place, so the config check at start, the host and the platform agree.
 */
export type AuthMode = 'none' | 'jwt' | 'apikey'

export interface AuthSettings {
  mode?: AuthMode
  jwtSecret?: string
  jwksUrl?: string
  issuer?: string
  audience?: string
  apiKeysFile?: string
  apiKeys?: unknown[]
}

/** The mode given, else `jwt` when a JWT secret or JWKS URL is set, `apikey` when keys are given, else `none`. */
export function authModeOf (settings: AuthSettings | undefined): AuthMode {
  if (settings?.mode !== undefined) return settings.mode
  if (settings?.jwtSecret !== undefined || settings?.jwksUrl !== undefined) return 'jwt'
  if (settings?.apiKeysFile !== undefined || settings?.apiKeys !== undefined) return 'apikey'
  return 'none'
}

/**
 * What is missing or contradictory for the mode, as sentences naming the
 * environment variables (the host's wording; the platform options say the same).
 */
export function authProblems (settings: AuthSettings, publicUrl: string | undefined): string[] {
  const mode = authModeOf(settings)
  const problems: string[] = []
  if (mode === 'jwt') {
    if (settings.jwtSecret === undefined && settings.jwksUrl === undefined) {
      problems.push('MCP_AUTH=jwt needs MCP_JWT_SECRET (HS256) or MCP_JWT_JWKS_URL (the identity provider\'s keys)')
    }
    if (settings.jwtSecret !== undefined && settings.jwksUrl !== undefined) {
      problems.push('MCP_JWT_SECRET and MCP_JWT_JWKS_URL are both set: choose one (a shared secret or the identity provider\'s keys)')
    }
    if (settings.audience === undefined && publicUrl === undefined) {
      problems.push('JWT auth needs the audience tokens must carry: set MCP_PUBLIC_URL (this server\'s MCP URL, e.g. https://mcp.example.com/mcp) or MCP_JWT_AUDIENCE')
    }
    if (settings.jwksUrl !== undefined && settings.issuer === undefined) {
      problems.push('MCP_JWT_JWKS_URL needs MCP_JWT_ISSUER (the identity provider\'s issuer, checked against each token\'s "iss")')
    }
  }
  if (mode === 'apikey' && settings.apiKeysFile === undefined && settings.apiKeys === undefined) {
    problems.push('MCP_AUTH=apikey needs MCP_API_KEYS_FILE (a JSON file of hashed keys, see docs/security.md)')
  }
  return problems
}
