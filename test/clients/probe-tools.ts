/**
 * Tools both SDK client tests use to observe the server side: `hang` (never
 * finishes, reports when its signal aborts) and `log_levels` (logs once at
 * four levels). `probe.mcp` is the registry, for registering tools mid-test.
 */
import type { FastifyInstance } from 'fastify'
import type { McpRegistry } from '@mcp-platform/server'
import { deferred } from '@mcp-platform/server/testing'

export function createProbe () {
  const probe = {
    mcp: undefined as McpRegistry | undefined,
    hangStarted: deferred(),
    hangAborted: deferred<string>(),
    /** Registers the probe tools; call it from a test plugin. */
    register (app: FastifyInstance): void {
      probe.mcp = app.mcp
      app.mcp.tool({
        name: 'hang',
        description: 'Never finishes on its own; reports when its signal aborts',
        handler: (_args, ctx) => new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            probe.hangAborted.resolve(String((ctx.signal.reason as Error)?.message ?? ctx.signal.reason))
            reject(ctx.signal.reason)
          }, { once: true })
          probe.hangStarted.resolve()
        })
      })
      app.mcp.tool({
        name: 'log_levels',
        description: 'Logs once at each of debug, info, warning and error',
        handler: (_args, ctx) => {
          ctx.log('debug', 'a debug line')
          ctx.log('info', 'an info line')
          ctx.log('warning', 'a warning line')
          ctx.log('error', 'an error line')
          return 'logged'
        }
      })
    }
  }
  return probe
}
