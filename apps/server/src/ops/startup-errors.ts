/**
 * Turns a failed `app.listen()` into a host error a person can act on: the
 * port is taken, the host does not resolve, or the host is not an address of
 * this machine. Other failures are returned as they are.
 */
import { isHostError, MCP_ERR_HOST_NOT_LOCAL, MCP_ERR_HOST_UNRESOLVED, MCP_ERR_PORT_IN_USE } from '../errors.ts'

export function listenError (error: unknown, where: { host: string, port: number }): unknown {
  const { code, port } = (error ?? {}) as { code?: unknown, port?: unknown }
  switch (code) {
    case 'EADDRINUSE':
      // With host "localhost", Fastify listens on each address; the error names the one that failed.
      return new MCP_ERR_PORT_IN_USE(String(typeof port === 'number' ? port : where.port), where.host, { cause: error })
    case 'ENOTFOUND':
      return new MCP_ERR_HOST_UNRESOLVED(where.host, 'no such host name', { cause: error })
    case 'EAI_AGAIN':
      return new MCP_ERR_HOST_UNRESOLVED(where.host, 'name resolution failed for now: is DNS reachable?', { cause: error })
    case 'EADDRNOTAVAIL':
      return new MCP_ERR_HOST_NOT_LOCAL(where.host, { cause: error })
    default:
      return error
  }
}

/**
 * A start that failed, on stderr, then exit 1. Host errors say what to do:
 * their code and message, no stack (docs/errors.md lists every code).
 */
export function exitOnStartFailure (error: unknown): never {
  const text = isHostError(error)
    ? `${error.code}: ${error.message}\n(see docs/errors.md)`
    : error instanceof Error ? error.stack ?? error.message : String(error)
  process.stderr.write(`Failed to start: ${text}\n`)
  process.exit(1)
}
