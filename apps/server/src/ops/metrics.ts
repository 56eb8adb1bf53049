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
import type { FastifyPluginAsync } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { FinishedRequest, RequestObserver } from '../protocol/context.ts'
import type { ProtocolCore } from '../protocol/dispatcher.ts'

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
  readonly #requests: Counter<'method' | 'era' | 'transport' | 'outcome'>
  readonly #toolCalls: Counter<'tool' | 'era' | 'transport' | 'outcome'>
  readonly #requestSeconds: Histogram<'method' | 'era' | 'transport'>
  readonly #toolSeconds: Histogram<'tool'>
  readonly redisErrors: Counter

  constructor (knownMethods: Iterable<string>, tools: () => ReadonlyMap<string, unknown>) {
    this.#known = new Set(knownMethods)
    this.#tools = tools
    const registers = [this.registry]
    this.#requests = new Counter({ name: 'mcp_requests_total', help: 'MCP requests by method, era, transport and outcome', labelNames: ['method', 'era', 'transport', 'outcome'], registers })
    this.#toolCalls = new Counter({ name: 'mcp_tool_calls_total', help: 'tools/call by tool, era, transport and outcome (ok, tool_error, error, cancelled)', labelNames: ['tool', 'era', 'transport', 'outcome'], registers })
    const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    this.#requestSeconds = new Histogram({ name: 'mcp_request_duration_seconds', help: 'MCP request latency in the server (dispatch to answer)', labelNames: ['method', 'era', 'transport'], buckets, registers })
    this.#toolSeconds = new Histogram({ name: 'mcp_tool_call_duration_seconds', help: 'Tool call latency by tool', labelNames: ['tool'], buckets, registers })
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
   * Label children resolved once per label set: prom-client's own lookup
   * (sorting and hashing the labels on every call) cost a sixth of a
   * request's time on the hot path.
   */
  readonly #children = new Map<string, { count: { inc (): void }, time: { observe (value: number): void } }>()

  requestEnded (request: FinishedRequest): void {
    const method = this.#known.has(request.method) ? request.method : 'other'
    const isTool = method === 'tools/call'
    const tool = isTool ? (request.tool !== undefined && this.#tools().has(request.tool) ? request.tool : 'unknown') : ''
    const key = `${method}\0${request.era}\0${request.transport}\0${request.outcome}\0${tool}`
    let children = this.#children.get(key)
    if (children === undefined) {
      const request_ = this.#requests.labels(method, request.era, request.transport, request.outcome)
      const time = this.#requestSeconds.labels(method, request.era, request.transport)
      const toolCount = isTool ? this.#toolCalls.labels(tool, request.era, request.transport, request.outcome) : undefined
      const toolTime = isTool ? this.#toolSeconds.labels(tool) : undefined
      children = {
        count: { inc: () => { request_.inc(); toolCount?.inc() } },
        time: { observe: (value) => { time.observe(value); toolTime?.observe(value) } }
      }
      // Bounded: methods, eras, transports, outcomes and registered tools are all finite sets.
      this.#children.set(key, children)
    }
    children.count.inc()
    children.time.observe(request.durationMs / 1000)
  }
}

function count (items: Iterable<unknown>): number {
  let n = 0
  for (const item of items) if (item !== undefined) n++
  return n
}

export const metricsRoutes: FastifyPluginAsync<{ metrics: PlatformMetrics, path: string }> = async (app, { metrics, path }) => {
  app.get(path, async (_request, reply) => {
    const body = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(body)
  })
}
