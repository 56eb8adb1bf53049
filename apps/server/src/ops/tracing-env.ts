/**
 * Whether traces are on: the environment names an OTLP endpoint for them and
 * does not disable the SDK. A module of its own, with no imports, so that
 * deciding loads nothing of OpenTelemetry.
 */
export function tracingConfigured (env: Record<string, string | undefined> = process.env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT
  return endpoint !== undefined && endpoint !== '' && env.OTEL_SDK_DISABLED !== 'true'
}
