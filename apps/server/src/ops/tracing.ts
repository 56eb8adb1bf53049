/**
 * OpenTelemetry traces, off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: a span per MCP request
 * (`mcp <method>`, kind SERVER) and, for `tools/call`, a child span per tool
 * call (`tool <name>`), with method, tool, era, transport and outcome as
 * attributes. A trace the client started is continued: the W3C
 * `traceparent`/`tracestate` a 2026-07-28 client puts in `_meta` (any era's
 * `_meta` is read) become the span's parent.
 *
 * Spans are recorded when the request ends, from its measured start and
 * duration: no context is kept per request on the hot path, so spans that a
 * plugin's own instrumentation creates inside a handler are not children of
 * the request span (they are still exported, in their own traces).
 * Export is batched (OTLP over HTTP, JSON); the standard OTEL_* variables
 * configure the exporter and the batch (OTEL_SERVICE_NAME, OTEL_BSP_*); the
 * exporter lives in tracing-export.ts, imported only when an endpoint is set.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import type { FinishedRequest, RequestObserver } from '../protocol/context.ts'

const propagator = new W3CTraceContextPropagator()
const getter = { get: (carrier: Record<string, string>, key: string) => carrier[key], keys: (carrier: Record<string, string>) => Object.keys(carrier) }

export class TracingObserver implements RequestObserver {
  readonly #tracer: Tracer

  constructor (tracer: Tracer) {
    this.#tracer = tracer
  }

  requestEnded (request: FinishedRequest): void {
    const end = Date.now()
    const start = end - request.durationMs
    let parent = context.active()
    if (request.traceparent !== undefined) {
      const carrier: Record<string, string> = { traceparent: request.traceparent }
      if (request.tracestate !== undefined) carrier.tracestate = request.tracestate
      parent = propagator.extract(parent, carrier, getter)
    }
    const attributes: Attributes = {
      'rpc.system': 'jsonrpc',
      'rpc.method': request.method,
      'mcp.method.name': request.method,
      'mcp.era': request.era,
      'mcp.transport': request.transport,
      'mcp.outcome': request.outcome
    }
    if (request.errorCode !== undefined) attributes['rpc.jsonrpc.error_code'] = request.errorCode
    if (request.tool !== undefined) attributes['mcp.tool.name'] = request.tool
    const span = this.#tracer.startSpan(`mcp ${request.method}`, { kind: SpanKind.SERVER, startTime: start, attributes }, parent)
    const failed = request.outcome === 'error' || request.outcome === 'tool_error'
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: request.outcome })
    if (request.method === 'tools/call' && request.tool !== undefined) {
      const child = this.#tracer.startSpan(`tool ${request.tool}`, {
        kind: SpanKind.INTERNAL,
        startTime: start,
        attributes: { 'mcp.tool.name': request.tool, 'mcp.outcome': request.outcome }
      }, trace.setSpan(parent, span))
      if (failed) child.setStatus({ code: SpanStatusCode.ERROR, message: request.outcome })
      child.end(end)
    }
    span.end(end)
  }
}
