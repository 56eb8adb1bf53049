/**
 * Open-Meteo specifics: the URLs we build and the parsing of its JSON into
 * our own shapes. Parsing checks every field it reads, so a changed or broken
 * upstream response becomes a clear error instead of `undefined` in a result.
 * Field names follow https://open-meteo.com/en/docs and /en/docs/geocoding-api.
 */
import { UpstreamResponseError } from './errors.ts'
import { describeWeatherCode } from './wmo-codes.ts'

export const DEFAULT_API_URL = 'https://api.open-meteo.com'
export const DEFAULT_GEOCODING_URL = 'https://geocoding-api.open-meteo.com'

export type UnitSystem = 'metric' | 'imperial'

/** What we ask Open-Meteo for, and how we label the values it returns. */
export const UNIT_SYSTEMS = {
  metric: {
    query: { temperature_unit: 'celsius', wind_speed_unit: 'kmh', precipitation_unit: 'mm' },
    labels: { temperature: '°C', windSpeed: 'km/h', precipitation: 'mm' }
  },
  imperial: {
    query: { temperature_unit: 'fahrenheit', wind_speed_unit: 'mph', precipitation_unit: 'inch' },
    labels: { temperature: '°F', windSpeed: 'mph', precipitation: 'in' }
  }
} as const satisfies Record<UnitSystem, unknown>

const CURRENT_VARIABLES = [
  'temperature_2m', 'apparent_temperature', 'relative_humidity_2m', 'precipitation',
  'weather_code', 'wind_speed_10m', 'wind_direction_10m'
] as const

const DAILY_VARIABLES = [
  'weather_code', 'temperature_2m_max', 'temperature_2m_min', 'precipitation_sum',
  'precipitation_probability_max', 'wind_speed_10m_max'
] as const

export interface Place {
  name: string
  country?: string
  countryCode?: string
  admin1?: string
  latitude: number
  longitude: number
  /** IANA zone; from geocoding, or from the forecast (`timezone=auto`) for raw coordinates. */
  timezone?: string
}

export interface CurrentConditions {
  /** Local time of the observation, ISO 8601 without offset (as Open-Meteo gives it). */
  time: string
  temperature: number | null
  apparentTemperature: number | null
  humidity: number | null
  precipitation: number | null
  windSpeed: number | null
  windDirection: number | null
  weatherCode: number | null
  description: string
}

export interface DailyForecast {
  date: string
  temperatureMin: number | null
  temperatureMax: number | null
  precipitationSum: number | null
  precipitationProbabilityMax: number | null
  windSpeedMax: number | null
  weatherCode: number | null
  description: string
}

export interface CurrentResponse { timezone: string, current: CurrentConditions }
export interface ForecastResponse { timezone: string, days: DailyForecast[] }

/** `base` + a path, keeping any path prefix of `base` (e.g. behind a proxy). */
function endpoint (base: string, path: string): URL {
  return new URL(`${base.replace(/\/+$/, '')}${path}`)
}

export function geocodingUrl (base: string, name: string): string {
  const url = endpoint(base, '/v1/search')
  url.search = new URLSearchParams({ name, count: '1', language: 'en', format: 'json' }).toString()
  return url.toString()
}

export interface ForecastQuery {
  latitude: number
  longitude: number
  units: UnitSystem
}

export function currentUrl (base: string, query: ForecastQuery): string {
  // forecast_days=1 keeps the response minimal: only `current` is used.
  return forecastEndpoint(base, query, { current: CURRENT_VARIABLES.join(','), forecast_days: '1' })
}

export function dailyUrl (base: string, query: ForecastQuery & { days: number }): string {
  return forecastEndpoint(base, query, { daily: DAILY_VARIABLES.join(','), forecast_days: String(query.days) })
}

function forecastEndpoint (base: string, query: ForecastQuery, variables: Record<string, string>): string {
  const url = endpoint(base, '/v1/forecast')
  url.search = new URLSearchParams({
    // Four decimals (~11 m) is far finer than any model grid; rounding makes
    // nearby requests share one cache entry.
    latitude: String(round4(query.latitude)),
    longitude: String(round4(query.longitude)),
    ...variables,
    timezone: 'auto',
    ...UNIT_SYSTEMS[query.units].query
  }).toString()
  return url.toString()
}

/** The first geocoding match, or `undefined` when Open-Meteo found none (it then omits `results`). */
export function parseGeocoding (body: unknown): Place | undefined {
  const root = object(body, 'geocoding response')
  if (root.results === undefined) return undefined
  const results = array(root.results, 'results')
  if (results.length === 0) return undefined
  const first = object(results[0], 'results[0]')
  return {
    name: string(first.name, 'results[0].name'),
    latitude: number(first.latitude, 'results[0].latitude'),
    longitude: number(first.longitude, 'results[0].longitude'),
    ...optionalString(first.country, 'country'),
    ...optionalString(first.country_code, 'countryCode'),
    ...optionalString(first.admin1, 'admin1'),
    ...optionalString(first.timezone, 'timezone')
  }
}

export function parseCurrent (body: unknown): CurrentResponse {
  const root = object(body, 'forecast response')
  const current = object(root.current, 'current')
  const weatherCode = nullableNumber(current.weather_code, 'current.weather_code')
  return {
    timezone: string(root.timezone, 'timezone'),
    current: {
      time: string(current.time, 'current.time'),
      temperature: nullableNumber(current.temperature_2m, 'current.temperature_2m'),
      apparentTemperature: nullableNumber(current.apparent_temperature, 'current.apparent_temperature'),
      humidity: nullableNumber(current.relative_humidity_2m, 'current.relative_humidity_2m'),
      precipitation: nullableNumber(current.precipitation, 'current.precipitation'),
      windSpeed: nullableNumber(current.wind_speed_10m, 'current.wind_speed_10m'),
      windDirection: nullableNumber(current.wind_direction_10m, 'current.wind_direction_10m'),
      weatherCode,
      description: describeWeatherCode(weatherCode)
    }
  }
}

export function parseForecast (body: unknown): ForecastResponse {
  const root = object(body, 'forecast response')
  const daily = object(root.daily, 'daily')
  const dates = array(daily.time, 'daily.time').map((value, i) => string(value, `daily.time[${i}]`))
  // Each variable is a column parallel to `time`; read one cell per day.
  const column = (key: string) => {
    const values = array(daily[key], `daily.${key}`)
    if (values.length !== dates.length) throw new UpstreamResponseError(`unexpected response: daily.${key} has ${values.length} values for ${dates.length} days`)
    return values.map((value, i) => nullableNumber(value, `daily.${key}[${i}]`))
  }
  const codes = column('weather_code')
  const max = column('temperature_2m_max')
  const min = column('temperature_2m_min')
  const precipitation = column('precipitation_sum')
  const probability = column('precipitation_probability_max')
  const wind = column('wind_speed_10m_max')
  return {
    timezone: string(root.timezone, 'timezone'),
    days: dates.map((date, i) => ({
      date,
      temperatureMin: min[i],
      temperatureMax: max[i],
      precipitationSum: precipitation[i],
      precipitationProbabilityMax: probability[i],
      windSpeedMax: wind[i],
      weatherCode: codes[i],
      description: describeWeatherCode(codes[i])
    }))
  }
}

function round4 (value: number): number {
  return Math.round(value * 10_000) / 10_000
}

function invalid (path: string, expected: string): UpstreamResponseError {
  return new UpstreamResponseError(`unexpected response: ${path} is not ${expected}`)
}

function object (value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, 'an object')
  return value as Record<string, unknown>
}

function array (value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(path, 'an array')
  return value
}

function string (value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalid(path, 'a string')
  return value
}

function number (value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(path, 'a number')
  return value
}

/** Open-Meteo sends `null` where a model has no value (e.g. probabilities late in a 16-day range). */
function nullableNumber (value: unknown, path: string): number | null {
  return value === null ? null : number(value, path)
}

/** `{ [key]: value }` for a non-empty string, `{}` otherwise: optional fields stay absent, not `undefined`. */
function optionalString<K extends string> (value: unknown, key: K): Partial<Record<K, string>> {
  return typeof value === 'string' && value !== '' ? { [key]: value } as Record<K, string> : {}
}
