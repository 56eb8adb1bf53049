/**
 * The OTLP/HTTP trace exporter and its tracer provider, configured by the
 * standard OTEL_* variables. A module of its own, imported only when an
 * endpoint is set: the OpenTelemetry SDK and exporter take a large share of
 * start-up time otherwise spent for nothing.
 */
import type { Tracer } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { tracingConfigured } from './tracing-env.ts'

export interface Tracing {
  tracer: Tracer
  /** Flushes what is batched and stops exporting (on close). */
  shutdown (): Promise<void>
}

/** A tracer exporting over OTLP/HTTP when the environment names an endpoint; undefined otherwise. */
export function tracingFromEnv (env: Record<string, string | undefined> = process.env, serviceVersion?: string): Tracing | undefined {
  if (!tracingConfigured(env)) return undefined
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'mcp-platform', ...(serviceVersion !== undefined ? { 'service.version': serviceVersion } : {}) }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })]
  })
  return { tracer: provider.getTracer('@mcp-platform/server'), shutdown: () => provider.shutdown() }
}
