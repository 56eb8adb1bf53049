import t from 'tap'
import { UpstreamResponseError } from '../src/errors.ts'
import { currentUrl, dailyUrl, geocodingUrl, parseCurrent, parseForecast, parseGeocoding } from '../src/open-meteo.ts'
import { fixture } from './helpers/replay-server.ts'

const json = (name: string): unknown => JSON.parse(fixture(name))

t.test('geocoding URL: name, count=1, language=en, format=json', async (t) => {
  const url = new URL(geocodingUrl('https://geocoding-api.open-meteo.com', 'São Paulo'))
  t.equal(url.origin + url.pathname, 'https://geocoding-api.open-meteo.com/v1/search')
  t.same(Object.fromEntries(url.searchParams), { name: 'São Paulo', count: '1', language: 'en', format: 'json' })
})

t.test('forecast URLs keep a base path prefix and forward the unit system', async (t) => {
  const metric = new URL(currentUrl('http://proxy.local/open-meteo/', { latitude: 52.52437, longitude: 13.41053, units: 'metric' }))
  t.equal(metric.pathname, '/open-meteo/v1/forecast')
  t.same(Object.fromEntries(metric.searchParams), {
    latitude: '52.5244',
    longitude: '13.4105',
    current: 'temperature_2m,apparent_temperature,relative_humidity_2m,precipitation,weather_code,wind_speed_10m,wind_direction_10m',
    forecast_days: '1',
    timezone: 'auto',
    temperature_unit: 'celsius',
    wind_speed_unit: 'kmh',
    precipitation_unit: 'mm'
  })
  const imperial = new URL(dailyUrl('https://api.open-meteo.com', { latitude: -33.8688, longitude: 151.2093, units: 'imperial', days: 16 }))
  t.same(Object.fromEntries(imperial.searchParams), {
    latitude: '-33.8688',
    longitude: '151.2093',
    daily: 'weather_code,temperature_2m_max,temperature_2m_min,precipitation_sum,precipitation_probability_max,wind_speed_10m_max',
    forecast_days: '16',
    timezone: 'auto',
    temperature_unit: 'fahrenheit',
    wind_speed_unit: 'mph',
    precipitation_unit: 'inch'
  })
})

t.test('parses the first geocoding result', async (t) => {
  t.same(parseGeocoding(json('geocoding-berlin.json')), {
    name: 'Berlin',
    latitude: 52.52437,
    longitude: 13.41053,
    country: 'Germany',
    countryCode: 'DE',
    admin1: 'Land Berlin',
    timezone: 'Europe/Berlin'
  })
})

t.test('no `results` key (or an empty list) means not found', async (t) => {
  t.equal(parseGeocoding(json('geocoding-not-found.json')), undefined)
  t.equal(parseGeocoding({ results: [], generationtime_ms: 1 }), undefined)
})

t.test('parses current conditions with a weather description', async (t) => {
  t.same(parseCurrent(json('forecast-current-metric.json')), {
    timezone: 'Europe/Berlin',
    current: {
      time: '2025-06-12T14:45',
      temperature: 21.4,
      apparentTemperature: 20.1,
      humidity: 48,
      precipitation: 0,
      windSpeed: 14.8,
      windDirection: 247,
      weatherCode: 2,
      description: 'Partly cloudy'
    }
  })
})

t.test('parses a daily forecast column by column, keeping nulls', async (t) => {
  const forecast = parseForecast(json('forecast-daily-metric.json'))
  t.equal(forecast.timezone, 'Europe/Berlin')
  t.equal(forecast.days.length, 7)
  t.same(forecast.days[2], {
    date: '2025-06-14',
    temperatureMin: 12.1,
    temperatureMax: 18.4,
    precipitationSum: 6.8,
    precipitationProbabilityMax: 84,
    windSpeedMax: 27,
    weatherCode: 61,
    description: 'Slight rain'
  })
  t.equal(forecast.days[6].precipitationProbabilityMax, null, 'null stays null')
})

t.test('a malformed response is an UpstreamResponseError naming the field', async (t) => {
  t.throws(() => parseCurrent({ timezone: 'UTC' }), new UpstreamResponseError('unexpected response: current is not an object'))
  const stringly = json('forecast-current-metric.json') as { current: Record<string, unknown> }
  stringly.current.temperature_2m = '21.4'
  t.throws(() => parseCurrent(stringly), /current.temperature_2m is not a number/)
  t.throws(() => parseGeocoding({ results: [{ name: 'X' }] }), /results\[0\].latitude is not a number/)
  const broken = json('forecast-daily-metric.json') as { daily: Record<string, unknown[]> }
  broken.daily.temperature_2m_max.pop()
  t.throws(() => parseForecast(broken), /daily.temperature_2m_max has 6 values for 7 days/)
  t.throws(() => parseForecast('<html>'), UpstreamResponseError)
})
