/**
 * Behind nginx (the deploy kit's deploy/nginx/mcp-proxy.conf, round robin),
 * the compiled server with its state in Redis, 1 and 3 instances, against
 * nginx in front of the bare Fastify route. redis-server and nginx come from
 * the system; the instances run on the servers' core, nginx and Redis
 * wherever the system puts them (their CPU is not counted: "per CPU-s" is
 * left empty).
 */
import { startNginx } from '../../test/helpers/nginx.ts'
import { startRedis } from '../../test/helpers/redis.ts'
import { ANSWER, EXPRESSION } from '../servers/catalog.ts'
import type { HttpCase } from '../lib/http-load.ts'
import { startCompiled, startServer, type BenchServer } from '../lib/process.ts'
import { callCase, modernHeaders, openSession } from '../lib/requests.ts'
import type { Target } from '../lib/rotation.ts'

/** The test helpers take a tap test for cleanup and skipping; a small stand-in does both here. */
function harness (cleanup: Array<() => unknown>): never {
  return {
    teardown: (fn: () => unknown) => { cleanup.push(fn) },
    fail: (message: string) => { throw new Error(message) },
    pass: (message: string) => { throw new Error(message) }
  } as never
}

/** Redis (when asked), the upstreams, and nginx in front, as one server to the rotation. */
async function behindNginx (upstreams: number, redis: boolean, startUpstream: (redisUrl?: string) => Promise<BenchServer>): Promise<BenchServer> {
  const cleanup: Array<() => unknown> = []
  const stop = async () => { for (const fn of cleanup.reverse()) await fn() }
  try {
    const store = redis ? await startRedis(harness(cleanup)) : undefined
    if (redis && store === undefined) throw new Error('redis-server is needed')
    const servers: BenchServer[] = []
    for (let i = 0; i < upstreams; i++) {
      const server = await startUpstream(store?.url)
      cleanup.push(() => server.stop())
      servers.push(server)
    }
    const nginx = await startNginx(harness(cleanup), servers.map((server) => server.port))
    if (nginx === undefined) throw new Error('nginx is needed')
    return { port: nginx.port, child: servers[0].child, cpuSeconds: () => Number.NaN, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

const CALC = { expression: EXPRESSION }
const STRUCTURED = `"structuredContent":{"result":${ANSWER}}`

function target (name: string, note: string, start: () => Promise<BenchServer>, prepare: (port: number) => Promise<HttpCase>): Target<HttpCase> {
  return {
    name,
    note,
    start,
    prepare: async (server) => {
      const test = await prepare(server.port)
      const response = await fetch(`http://127.0.0.1:${server.port}/mcp`, { method: 'POST', headers: test.headers, body: test.body(1) })
      const text = await response.text()
      if (response.status !== 200 || !test.check(text, 1)) throw new Error(`answered ${response.status}: ${text.slice(0, 400)}`)
      return test
    }
  }
}

export function nginxTargets (): Array<Target<HttpCase>> {
  const instance = (redisUrl?: string) => startCompiled(redisUrl !== undefined ? { REDIS_URL: redisUrl } : {})
  const modern = async () => callCase('modern', modernHeaders('tools/call', 'calculate'), 'calculate', CALC, STRUCTURED)
  const session = async (port: number) => callCase('legacy', await openSession(port), 'calculate', CALC, STRUCTURED)
  return [
    target('nginx → bare Fastify route', 'the ceiling through the same proxy', () => behindNginx(1, false, async () => await startServer('bench/servers/bare-fastify.ts')), modern),
    target('nginx → 1 instance, Redis', 'compiled server, state in Redis, 2026-07-28', () => behindNginx(1, true, instance), modern),
    target('nginx → 3 instances, Redis', 'round robin, 2026-07-28', () => behindNginx(3, true, instance), modern),
    target('nginx → 3 instances, Redis, session', 'round robin, one 2025-11-25 session shared by the instances through Redis', () => behindNginx(3, true, instance), session)
  ]
}
