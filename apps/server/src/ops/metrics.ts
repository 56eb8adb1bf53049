/**
 * `GET /metrics` in the Prometheus text format (prom-client): requests and
 * tool calls by method/tool, era, transport and outcome, their latency, what
 * is open now (sessions, calls, streams, WebSocket connections), Redis
 * errors, and Node's own metrics (event-loop delay, heap, GC).
 *
 * Each platform has its own prom-client registry, so two apps in one process
 * (tests, an embedding app with its own metrics) never collide. Labels are
 * bounded: a method the server does not serve counts as `other`, a tool it
 * does not have as `unknown`, so a hostile client cannot grow the series.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { FinishedRequest, RequestObserver } from '../protocol/context.ts'
import type { ProtocolCore } from '../protocol/dispatcher.ts'
import { TallyCounter, TallyHistogram, type CounterTally, type HistogramTally } from './tallies.ts'

export interface MetricsSources {
  core: ProtocolCore
  /** Streams open now (listen and GET streams). */
  openStreams: () => number
  /** WebSocket connections open now. */
  openSockets: () => number
}

export class PlatformMetrics implements RequestObserver {
  readonly registry = new Registry()
  readonly #known: ReadonlySet<string>
  readonly #tools: () => ReadonlyMap<string, unknown>
  readonly #requests: TallyCounter
  readonly #toolCalls: TallyCounter
  readonly #requestSeconds: TallyHistogram
  readonly #toolSeconds: TallyHistogram
  readonly redisErrors: Counter

  constructor (knownMethods: Iterable<string>, tools: () => ReadonlyMap<string, unknown>) {
    this.#known = new Set(knownMethods)
    this.#tools = tools
    const registers = [this.registry]
    this.#requests = new TallyCounter('mcp_requests_total', 'MCP requests by method, era, transport and outcome', this.registry)
    this.#toolCalls = new TallyCounter('mcp_tool_calls_total', 'tools/call by tool, era, transport and outcome (ok, tool_error, error, cancelled)', this.registry)
    const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    this.#requestSeconds = new TallyHistogram('mcp_request_duration_seconds', 'MCP request latency in the server (dispatch to answer)', this.registry, buckets)
    this.#toolSeconds = new TallyHistogram('mcp_tool_call_duration_seconds', 'Tool call latency by tool', this.registry, buckets)
    this.redisErrors = new Counter({ name: 'mcp_redis_errors_total', help: 'Errors of the Redis connections of the shared state', registers })
    collectDefaultMetrics({ register: this.registry })
  }

  /** Gauges read when scraped: nothing is counted on the hot path for them. */
  watch ({ core, openStreams, openSockets }: MetricsSources): void {
    const gauge = (name: string, help: string, read: () => number): void => {
      this.registry.registerMetric(new Gauge({ name, help, registers: [], collect () { this.set(read()) } }))
    }
    gauge('mcp_calls_in_flight', 'Requests being served now', () => core.calls.size)
    gauge('mcp_sessions_local', 'Legacy sessions with state on this instance', () => count(core.sessions.local()))
    gauge('mcp_streams_open', 'Open listen and GET streams', openStreams)
    gauge('mcp_websocket_connections', 'Open WebSocket connections', openSockets)
    gauge('mcp_tasks_running', 'Tasks whose handler runs on this instance', () => core.tasks.runs.size)
  }

  /**
   * The tallies of each label set, resolved once: per method (per tool for
   * tools/call), a small array indexed by era, transport and outcome, so the
   * hot path builds no key strings.
   */
  readonly #byMethod = new Map<string, Array<Children | undefined>>()
  readonly #byTool = new Map<string, Array<Children | undefined>>()

  requestEnded (request: FinishedRequest): void {
    const method = this.#known.has(request.method) ? request.method : 'other'
    const isTool = method === 'tools/call'
    const name = isTool ? (request.tool !== undefined && this.#tools().has(request.tool) ? request.tool : 'unknown') : method
    const table = isTool ? this.#byTool : this.#byMethod
    let slots = table.get(name)
    if (slots === undefined) {
      slots = new Array(SLOTS)
      table.set(name, slots)
    }
    const { era, transport, outcome } = request
    const slot = (ERA[era] ?? 1) * (TRANSPORTS * OUTCOMES) + (TRANSPORT[transport] ?? TRANSPORTS - 1) * OUTCOMES + (OUTCOME[outcome] ?? 0)
    let children = slots[slot]
    if (children === undefined) {
      // Bounded: methods, eras, transports, outcomes and registered tools are all finite sets.
      children = {
        count: this.#requests.child(`${method}\0${era}\0${transport}\0${outcome}`, () => ({ method, era, transport, outcome })),
        time: this.#requestSeconds.child(`${method}\0${era}\0${transport}`, () => ({ method, era, transport })),
        toolCount: isTool ? this.#toolCalls.child(`${name}\0${era}\0${transport}\0${outcome}`, () => ({ tool: name, era, transport, outcome })) : undefined,
        toolTime: isTool ? this.#toolSeconds.child(name, () => ({ tool: name })) : undefined
      }
      slots[slot] = children
    }
    const seconds = request.durationMs / 1000
    children.count.value++
    children.time.observe(seconds)
    if (children.toolCount !== undefined) {
      children.toolCount.value++
      children.toolTime!.observe(seconds)
    }
  }
}

interface Children { count: CounterTally, time: HistogramTally, toolCount?: CounterTally, toolTime?: HistogramTally }

// Slot indexes; a value not listed (a new transport, say) shares the last slot of its kind.
const ERA: Record<string, number> = { modern: 0, legacy: 1 }
const TRANSPORT: Record<string, number> = { http: 0, websocket: 1, stdio: 2 }
const OUTCOME: Record<string, number> = { ok: 0, error: 1, tool_error: 2, cancelled: 3 }
const TRANSPORTS = 4
const OUTCOMES = 4
const SLOTS = 2 * TRANSPORTS * OUTCOMES

function count (items: Iterable<unknown>): number {
  let n = 0
  for (const item of items) if (item !== undefined) n++
  return n
}

/** Compares digests, so neither the token's length nor its bytes leak through timing. */
function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/**
 * `GET path`: the Prometheus text. With a token, only a scraper that sends
 * `Authorization: Bearer <token>` gets it (Prometheus: `authorization: { credentials: ... }`);
 * anyone else gets 401 with a `WWW-Authenticate` challenge.
 */
export const metricsRoutes: FastifyPluginAsync<{ metrics: PlatformMetrics, path: string, token?: string }> = async (app, { metrics, path, token }) => {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`)
  app.get(path, async (request, reply) => {
    if (expected !== undefined && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').type('text/plain; charset=utf-8')
        .send('Unauthorized: /metrics needs Authorization: Bearer <MCP_METRICS_TOKEN>\n')
    }
    const body = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(body)
  })
}
