/**
 * The HTTP scenarios: `tools/call` with JSON answers (both eras, every
 * server), `tools/call` of a tool that streams progress (SSE), and
 * `tools/list` with 100 tools registered.
 */
import { ANSWER, EXPRESSION, PROGRESS_STEPS } from '../servers/catalog.ts'
import { runHttp, type HttpCase } from '../lib/http-load.ts'
import { startServer } from '../lib/process.ts'
import { callCase, hasId, listCase, modernHeaders, openSession, STATELESS_LEGACY_HEADERS, type Era } from '../lib/requests.ts'
import type { RotationOptions, Target } from '../lib/rotation.ts'

const CALC = { expression: EXPRESSION }
const STRUCTURED = `"structuredContent":{"result":${ANSWER}}`
const TEXT = `"text":"${ANSWER}"`

type Prepare = (port: number) => Promise<HttpCase>

function target (name: string, note: string, script: string, env: Record<string, string>, prepare: Prepare): Target<HttpCase> {
  return {
    name,
    note,
    start: async () => await startServer(`bench/servers/${script}`, env),
    prepare: async (server) => {
      const test = await prepare(server.port)
      // One answer checked by hand before any load: the server does the real work.
      const response = await fetch(`http://127.0.0.1:${server.port}${test.path ?? '/mcp'}`, { method: 'POST', headers: test.headers, body: test.body(1) })
      const text = await response.text()
      if (response.status !== 200 || !test.check(text, 1)) throw new Error(`answered ${response.status}: ${text.slice(0, 400)}`)
      return test
    }
  }
}

const modernCall = (tool: string, args: Record<string, unknown>, expected: string, meta?: Record<string, unknown>): Prepare =>
  async () => callCase('modern', modernHeaders('tools/call', tool), tool, args, expected, meta)
const sessionCall = (tool: string, args: Record<string, unknown>, expected: string, meta?: Record<string, unknown>): Prepare =>
  async (port) => callCase('legacy', await openSession(port), tool, args, expected, meta)
const statelessCall = (tool: string, args: Record<string, unknown>, expected: string, meta?: Record<string, unknown>): Prepare =>
  async () => callCase('legacy', STATELESS_LEGACY_HEADERS, tool, args, expected, meta)

/** The `call` scenario's rows that the targets name (bench/lib/targets.ts reads them by these names). */
export const CALL_ROWS = {
  baseline: 'bare Fastify route',
  modern: 'mcp-platform 2026-07-28',
  session: 'mcp-platform 2025-11-25',
  trivial: 'mcp-platform 2026-07-28, constant tool',
  control: 'mcp-platform 2026-07-28, A/A control'
} as const

/** `tools/call calculate` answered as JSON: the platform in both eras against the bare route and the other servers. */
export function callTargets (): Array<Target<HttpCase>> {
  return [
    target(CALL_ROWS.baseline, 'parse, check the envelope, answer; no MCP work, no evaluator', 'bare-fastify.ts', {}, modernCall('calculate', CALC, STRUCTURED)),
    target(CALL_ROWS.modern, 'stateless request, JSON answer', 'platform.ts', {}, modernCall('calculate', CALC, STRUCTURED)),
    target(CALL_ROWS.session, 'one session, JSON answers', 'platform.ts', {}, sessionCall('calculate', CALC, STRUCTURED)),
    // The 2026-07-28 row's very server set-up again, as a row of its own: the two land apart by this run's noise.
    target(CALL_ROWS.control, 'the 2026-07-28 row again, as a separate server: how far two identical servers land apart in this run', 'platform.ts', {}, modernCall('calculate', CALC, STRUCTURED)),
    target(CALL_ROWS.trivial, 'the calculator\'s schemas, a handler that answers 5 without evaluating (as the bare route does)', 'platform.ts', {}, modernCall('constant', CALC, STRUCTURED)),
    target('platform shell, no MCP work', 'the app npm start builds, answering on a route with the MCP endpoint\'s hook and parser but no MCP work: what the HTTP set-up costs', 'platform-shell.ts', {},
      async () => ({ ...callCase('modern', modernHeaders('tools/call', 'calculate'), 'calculate', CALC, STRUCTURED), path: '/shell' })),
    target('mcp-platform 2026-07-28, LOG_LEVEL=debug', 'a log line per request (to /dev/null): what the debug request log costs', 'platform.ts', { BENCH_LOG_LEVEL: 'debug' }, modernCall('calculate', CALC, STRUCTURED)),
    target('SDK v1 stateless', '@modelcontextprotocol/sdk 1.x, server + transport per request, JSON answers (2025-11-25)', 'sdk-v1.ts', {}, statelessCall('calculate', CALC, STRUCTURED)),
    target('SDK v1 sessions', '@modelcontextprotocol/sdk 1.x, transport per session, JSON answers (2025-11-25)', 'sdk-v1.ts', { BENCH_SESSIONS: '1' }, sessionCall('calculate', CALC, STRUCTURED)),
    target('SDK v2 2026-07-28', '@modelcontextprotocol/server 2.x, createMcpHandler + toNodeHandler', 'sdk-v2.ts', {}, modernCall('calculate', CALC, STRUCTURED)),
    target('fastmcp sessions', 'fastmcp 4, httpStream with sessions (2025-11-25; SSE answers)', 'fastmcp.ts', {}, sessionCall('calculate', CALC, TEXT))
  ]
}

/** `tools/call count`: three progress notifications, then the answer, on an SSE stream. */
export function progressTargets (): Array<Target<HttpCase>> {
  const counted = '"text":"counted"'
  const progress = (era: Era) => (body: string, id: number) =>
    hasId(body, id) && body.includes(counted) && body.split('notifications/progress').length - 1 === PROGRESS_STEPS && era !== undefined
  const withProgress = (prepare: Prepare, era: Era): Prepare => async (port) => {
    const test = await prepare(port)
    return { ...test, check: progress(era) }
  }
  return [
    target('mcp-platform 2026-07-28', 'progress token in _meta; SSE answer', 'platform.ts', {}, withProgress(modernCall('count', {}, counted, { progressToken: 'p' }), 'modern')),
    target('mcp-platform 2025-11-25', 'one session; SSE answer', 'platform.ts', {}, withProgress(sessionCall('count', {}, counted, { progressToken: 'p' }), 'legacy')),
    target('SDK v1 stateless', 'server + transport per request, SSE answers (2025-11-25)', 'sdk-v1.ts', { BENCH_SSE: '1' }, withProgress(statelessCall('count', {}, counted, { progressToken: 'p' }), 'legacy'))
  ]
}

/** `tools/list` of 100 tools. */
export function listTargets (): Array<Target<HttpCase>> {
  const tools = { BENCH_TOOLS: '100' }
  const last = '"name":"tool_97"'
  return [
    target('bare Fastify route', 'serializes the same 100 tools', 'bare-fastify.ts', tools, async () => listCase('modern', modernHeaders('tools/list'), last)),
    target('mcp-platform 2026-07-28', 'stateless request', 'platform.ts', tools, async () => listCase('modern', modernHeaders('tools/list'), last)),
    target('mcp-platform 2025-11-25', 'one session', 'platform.ts', tools, async (port) => listCase('legacy', await openSession(port), last)),
    target('SDK v1 stateless', 'server + transport per request (2025-11-25)', 'sdk-v1.ts', tools, async () => listCase('legacy', STATELESS_LEGACY_HEADERS, last)),
    target('SDK v2 2026-07-28', 'createMcpHandler + toNodeHandler', 'sdk-v2.ts', tools, async () => listCase('modern', modernHeaders('tools/list'), last)),
    target('fastmcp sessions', 'httpStream with sessions (2025-11-25)', 'fastmcp.ts', tools, async (port) => listCase('legacy', await openSession(port), last))
  ]
}

export function httpRun (connections: number): RotationOptions<HttpCase>['run'] {
  return async (test, server, seconds) => await runHttp(server.port, test, seconds, connections)
}
