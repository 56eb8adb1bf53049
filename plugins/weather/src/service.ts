/**
 * The weather logic behind both tools, independent of the host: decide where
 * (a place name via geocoding, or raw coordinates), fetch, parse, and turn
 * every failure the caller can act on into a `WeatherError` whose message is
 * meant for them. The plugin maps `WeatherError` to the host's `ToolError`.
 */
import type { HttpClient } from './client.ts'
import { toUserMessage } from './errors.ts'
import {
  UNIT_SYSTEMS,
  currentUrl,
  dailyUrl,
  geocodingUrl,
  parseCurrent,
  parseForecast,
  parseGeocoding,
  type CurrentConditions,
  type DailyForecast,
  type Place,
  type UnitSystem
} from './open-meteo.ts'

/** A failure with a message meant for the caller (a person or a model). */
export class WeatherError extends Error {
  override name = 'WeatherError'
}

export const MAX_FORECAST_DAYS = 16

export interface LocationArgs {
  location?: string
  latitude?: number
  longitude?: number
}

export interface Units {
  system: UnitSystem
  temperature: string
  windSpeed: string
  precipitation: string
  humidity: '%'
  windDirection: '°'
}

export interface CurrentReport {
  place: Place & { timezone: string }
  units: Units
  current: CurrentConditions
}

export interface ForecastReport {
  place: Place & { timezone: string }
  units: Units
  days: DailyForecast[]
}

export interface WeatherServiceOptions {
  client: HttpClient
  apiUrl: string
  geocodingUrl: string
  /** Cache lifetime of forecast/current responses. */
  forecastTtlMs: number
  /** Cache lifetime of geocoding answers: places don't move. */
  geocodingTtlMs: number
}

type Target = { kind: 'name', name: string } | { kind: 'coordinates', latitude: number, longitude: number }

const USAGE = 'send `location` (a place name, e.g. "Berlin") or both `latitude` and `longitude` (decimal degrees)'

/** Exactly one of a place name or a full coordinate pair, or an error that says what to send. */
export function resolveTarget (args: LocationArgs): Target {
  const hasName = args.location !== undefined
  const hasLat = args.latitude !== undefined
  const hasLon = args.longitude !== undefined
  if (hasName && (hasLat || hasLon)) {
    throw new WeatherError(`give either \`location\` or \`latitude\`+\`longitude\`, not both: ${USAGE}`)
  }
  if (hasName) {
    const name = (args.location ?? '').trim()
    if (name === '') throw new WeatherError(`\`location\` is empty: ${USAGE}`)
    return { kind: 'name', name }
  }
  if (args.latitude !== undefined && args.longitude !== undefined) {
    if (!(Math.abs(args.latitude) <= 90)) throw new WeatherError(`\`latitude\` must be between -90 and 90, got ${args.latitude}`)
    if (!(Math.abs(args.longitude) <= 180)) throw new WeatherError(`\`longitude\` must be between -180 and 180, got ${args.longitude}`)
    return { kind: 'coordinates', latitude: args.latitude, longitude: args.longitude }
  }
  if (hasLat || hasLon) {
    throw new WeatherError(`\`${hasLat ? 'longitude' : 'latitude'}\` is missing: \`latitude\` and \`longitude\` go together; or ${USAGE.replace(/^send /, 'send only ')}`)
  }
  throw new WeatherError(`no location given: ${USAGE}`)
}

export class WeatherService {
  readonly #options: WeatherServiceOptions

  constructor (options: WeatherServiceOptions) {
    this.#options = options
  }

  async current (args: LocationArgs & { units?: UnitSystem }, signal?: AbortSignal): Promise<CurrentReport> {
    const units = args.units ?? 'metric'
    const place = await this.#place(resolveTarget(args), signal)
    const url = currentUrl(this.#options.apiUrl, { latitude: place.latitude, longitude: place.longitude, units })
    const parsed = await this.#get(url, this.#options.forecastTtlMs, 'weather service', parseCurrent, signal)
    return { place: { ...place, timezone: place.timezone ?? parsed.timezone }, units: unitsOf(units), current: parsed.current }
  }

  async forecast (args: LocationArgs & { units?: UnitSystem, days?: number }, signal?: AbortSignal): Promise<ForecastReport> {
    const units = args.units ?? 'metric'
    const days = args.days ?? 7
    if (!Number.isInteger(days) || days < 1 || days > MAX_FORECAST_DAYS) {
      throw new WeatherError(`\`days\` must be a whole number from 1 to ${MAX_FORECAST_DAYS}, got ${days}`)
    }
    const place = await this.#place(resolveTarget(args), signal)
    const url = dailyUrl(this.#options.apiUrl, { latitude: place.latitude, longitude: place.longitude, units, days })
    const parsed = await this.#get(url, this.#options.forecastTtlMs, 'weather service', parseForecast, signal)
    return { place: { ...place, timezone: place.timezone ?? parsed.timezone }, units: unitsOf(units), days: parsed.days }
  }

  async #place (target: Target, signal: AbortSignal | undefined): Promise<Place> {
    if (target.kind === 'coordinates') {
      return { name: `${target.latitude}, ${target.longitude}`, latitude: target.latitude, longitude: target.longitude }
    }
    const url = geocodingUrl(this.#options.geocodingUrl, target.name)
    // "Not found" is a valid answer, cached like any other; it is wrapped
    // because the cache treats a bare `undefined` as a miss.
    const { place } = await this.#get(url, this.#options.geocodingTtlMs, 'geocoding service', (body) => ({ place: parseGeocoding(body) }), signal)
    if (place === undefined) {
      throw new WeatherError(`place not found: '${target.name}'. Check the spelling, try a nearby larger town, or send \`latitude\` and \`longitude\` instead.`)
    }
    return place
  }

  /** GET + parse, with the client's errors reworded for the caller. */
  async #get<T> (url: string, ttlMs: number, service: string, parse: (body: unknown) => T, signal: AbortSignal | undefined): Promise<T> {
    try {
      return await this.#options.client.getJson(url, { ttlMs, parse, ...(signal !== undefined ? { signal } : {}) })
    } catch (err) {
      if (signal?.aborted === true) throw new WeatherError('weather request cancelled', { cause: err })
      const message = toUserMessage(err, service)
      if (message !== undefined) throw new WeatherError(message, { cause: err })
      throw err
    }
  }
}

function unitsOf (system: UnitSystem): Units {
  return { system, ...UNIT_SYSTEMS[system].labels, humidity: '%', windDirection: '°' }
}
