/**
 * The weather plugin: `weather_current` and `weather_forecast`, backed by
 * Open-Meteo. One pooled, caching HTTP client lives as long as the plugin and
 * is closed with the server.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify'
import { ToolError } from '@mcp-platform/server'
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
      const report = await asToolError(ctx.logger, async () => await service.current(args, ctx.signal))
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
      const report = await asToolError(ctx.logger, async () => await service.forecast(args, ctx.signal))
      return { text: formatForecast(report), structuredContent: report }
    }
  })
}

/**
 * Failures the caller can act on become `ToolError` (a result with
 * `isError: true`); upstream trouble is also logged for operators. Anything
 * else is a bug and propagates for the host to log with its stack.
 */
async function asToolError<T> (logger: FastifyBaseLogger, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    if (!(err instanceof WeatherError)) throw err
    if (err.cause instanceof UpstreamError) logger.warn({ err: err.cause }, `weather upstream failure: ${err.message}`)
    throw new ToolError(err.message, { cause: err })
  }
}

export default weather
