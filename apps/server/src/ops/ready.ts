/**
 * `GET /ready` (the path is an option): readiness for a load balancer, apart
 * from liveness (`/health`). 200 when this instance should get traffic;
 * 503 while it drains, while its shared state (Redis) is unreachable, or
 * while a plugin's readiness check (e.g. its database) fails. Each check
 * has a time limit, so a hung dependency reads as "not ready", never as a
 * hung probe.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ProtocolCore } from '../protocol/dispatcher.ts'
import { RateLimitedWarning } from '../protocol/log-values.ts'
import type { SharedState } from '../state/index.ts'

export interface ReadyOptions {
  core: ProtocolCore
  state: SharedState
  path: string
  /** Time limit of each check (default 2000 ms). */
  checkTimeoutMs?: number
}

type CheckResult = 'ok' | string

export const readyRoutes: FastifyPluginAsync<ReadyOptions> = async (app, { core, state, path, checkTimeoutMs = 2000 }) => {
  const run = async (check: () => Promise<unknown>): Promise<CheckResult> => {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        check(),
        new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs) })
      ])
      return 'ok'
    } catch (error) {
      return (error as Error)?.message ?? String(error)
    } finally {
      clearTimeout(timer)
    }
  }

  // Probes come every few seconds: one line per 10 s says what is wrong.
  const warning = new RateLimitedWarning()
  app.get(path, async (request, reply) => {
    if (core.closing) return reply.code(503).header('retry-after', '5').send({ status: 'draining' })
    const checks: Record<string, CheckResult> = {}
    const pending: Array<Promise<void>> = []
    if (state.ping !== undefined) pending.push(run(() => state.ping!()).then((result) => { checks.state = result }))
    for (const [name, check] of core.registry.readinessChecks) pending.push(run(check).then((result) => { checks[name] = result }))
    await Promise.all(pending)
    const failed = Object.entries(checks).filter(([, result]) => result !== 'ok')
    if (failed.length === 0) return { status: 'ready', checks }
    warning.warn(request.log, { failed: Object.fromEntries(failed) }, 'not ready')
    return reply.code(503).header('retry-after', '5').send({ status: 'not ready', checks })
  })
}
