/**
 * The weather plugin: `weather_current` and `weather_forecast`, backed by
 * Open-Meteo. One pooled, caching HTTP client lives as long as the plugin and
 * is closed with the server.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify'
import { asToolError } from '@mcp-platform/server'
import { HttpClient } from './client.ts'
import { UpstreamError } from './errors.ts'
import { formatCurrent, formatForecast } from './format.ts'
import { resolveOptions, type WeatherOptions } from './options.ts'
import { CurrentInput, CurrentOutput, ForecastInput, ForecastOutput } from './schemas.ts'
import { WeatherError, WeatherService } from './service.ts'

export type { WeatherOptions } from './options.ts'

const annotations = { readOnlyHint: true, openWorldHint: true, idempotentHint: true, destructiveHint: false }

const weather: FastifyPluginAsync<WeatherOptions> = async (app, opts) => {
  const options = resolveOptions(opts)
  const client = new HttpClient({
    timeoutMs: options.timeoutMs,
    cacheMaxEntries: options.cacheMaxEntries,
    connections: options.connections,
    retry: options.retry,
    retryDelayMs: options.retryDelayMs
  })
  app.addHook('onClose', async () => await client.close())

  const service = new WeatherService({
    client,
    apiUrl: options.apiUrl,
    geocodingUrl: options.geocodingUrl,
    forecastTtlMs: options.cacheTtlMs,
    geocodingTtlMs: options.geocodingCacheTtlMs
  })

  app.mcp.tool({
    name: 'weather_current',
    title: 'Current weather',
    description: 'Current conditions (temperature, feels-like, humidity, precipitation, wind, sky) for a place name or coordinates, from Open-Meteo.',
    input: CurrentInput,
    output: CurrentOutput,
    annotations: { title: 'Current weather', ...annotations },
    async handler (args, ctx) {
      const report = await asToolError(async () => await service.current(args, ctx.signal), WeatherError, reportUpstream(ctx.logger))
      return { text: formatCurrent(report), structuredContent: report }
    }
  })

  app.mcp.tool({
    name: 'weather_forecast',
    title: 'Weather forecast',
    description: 'Daily forecast (min/max temperature, precipitation and its probability, max wind, sky) for 1-16 days for a place name or coordinates, from Open-Meteo.',
    input: ForecastInput,
    output: ForecastOutput,
    annotations: { title: 'Weather forecast', ...annotations },
    async handler (args, ctx) {
      const report = await asToolError(async () => await service.forecast(args, ctx.signal), WeatherError, reportUpstream(ctx.logger))
      return { text: formatForecast(report), structuredContent: report }
    }
  })
}

/** Upstream trouble is also logged for operators; the caller reads the message either way. */
function reportUpstream (logger: FastifyBaseLogger) {
  return (err: WeatherError) => {
    if (err.cause instanceof UpstreamError) logger.warn({ err: err.cause }, `weather upstream failure: ${err.message}`)
  }
}

export default weather
