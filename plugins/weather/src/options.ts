/**
 * The plugin's options with their defaults. URLs follow the precedence
 * plugin option > environment (`WEATHER_API_URL`, `GEOCODING_API_URL`) >
 * Open-Meteo's public endpoints, and are checked at startup so a typo fails
 * the boot, not the first tool call.
 */
import { DEFAULT_API_URL, DEFAULT_GEOCODING_URL } from './open-meteo.ts'

export interface WeatherOptions {
  /** Forecast API base URL; `/v1/forecast` is appended. Default `https://api.open-meteo.com`. */
  apiUrl?: string
  /** Geocoding API base URL; `/v1/search` is appended. Default `https://geocoding-api.open-meteo.com`. */
  geocodingUrl?: string
  /** Deadline of one upstream call, retry included. Default 5000 ms. */
  timeoutMs?: number
  /** Cache lifetime of current/forecast responses. Default 60 s. */
  cacheTtlMs?: number
  /** Cache lifetime of geocoding answers (found or not). Default 24 h. */
  geocodingCacheTtlMs?: number
  /** Cache bound, all entries together, least recently used evicted first. Default 500. */
  cacheMaxEntries?: number
  /** Keep-alive sockets per upstream origin. Default 10. */
  connections?: number
  /** Retry once on connection errors and 5xx. Default true. */
  retry?: boolean
  /** Pause before that retry. Default 200 ms. */
  retryDelayMs?: number
}

export type ResolvedOptions = Required<WeatherOptions>

export function resolveOptions (options: WeatherOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  return {
    apiUrl: baseUrl('apiUrl', options.apiUrl ?? nonEmpty(env.WEATHER_API_URL) ?? DEFAULT_API_URL),
    geocodingUrl: baseUrl('geocodingUrl', options.geocodingUrl ?? nonEmpty(env.GEOCODING_API_URL) ?? DEFAULT_GEOCODING_URL),
    timeoutMs: options.timeoutMs ?? 5000,
    cacheTtlMs: options.cacheTtlMs ?? 60_000,
    geocodingCacheTtlMs: options.geocodingCacheTtlMs ?? 24 * 60 * 60 * 1000,
    cacheMaxEntries: options.cacheMaxEntries ?? 500,
    connections: options.connections ?? 10,
    retry: options.retry ?? true,
    retryDelayMs: options.retryDelayMs ?? 200
  }
}

/** An empty variable (`WEATHER_API_URL=`) means "not set", not "empty URL". */
function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

function baseUrl (name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`weather plugin: ${name} is not a URL: ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`weather plugin: ${name} must be http(s), got ${JSON.stringify(value)}`)
  }
  if (url.search !== '' || url.hash !== '') {
    throw new Error(`weather plugin: ${name} must not have a query or fragment, got ${JSON.stringify(value)}`)
  }
  return value.replace(/\/+$/, '')
}
