/**
 * The weather service (what both tools run) with the real client against the
 * replay server: what is asked upstream, what comes back, and the messages a
 * caller sees when something goes wrong.
 */
import t from 'tap'
import { HttpClient, type HttpClientOptions } from '../src/client.ts'
import { formatCurrent, formatForecast } from '../src/format.ts'
import { WeatherError, WeatherService, resolveTarget } from '../src/service.ts'
import { fixture, hang, sendJson, startReplayServer, type Route } from './helpers/replay-server.ts'

interface Test { teardown: (fn: () => unknown) => void }

async function setup (t: Test, options: HttpClientOptions = {}, route?: Route) {
  const server = await startReplayServer(route)
  const client = new HttpClient({ retryDelayMs: 1, ...options })
  const service = new WeatherService({
    client,
    apiUrl: server.url,
    geocodingUrl: server.url,
    forecastTtlMs: 60_000,
    geocodingTtlMs: 86_400_000
  })
  t.teardown(async () => {
    await server.close()
    await client.close()
  })
  return { server, client, service }
}

const errorOf = async (promise: Promise<unknown>): Promise<unknown> => await promise.then(() => undefined, (err: unknown) => err)

t.test('known place, metric: geocodes, then asks for current conditions in metric units', async (t) => {
  const { server, service } = await setup(t)
  const report = await service.current({ location: 'Berlin' })

  t.equal(server.requests.length, 2)
  const [geocoding, forecast] = server.requests
  t.equal(geocoding.path, '/v1/search')
  t.same(Object.fromEntries(geocoding.query), { name: 'Berlin', count: '1', language: 'en', format: 'json' })
  t.equal(forecast.path, '/v1/forecast')
  t.match(Object.fromEntries(forecast.query), {
    latitude: '52.5244',
    longitude: '13.4105',
    current: 'temperature_2m,apparent_temperature,relative_humidity_2m,precipitation,weather_code,wind_speed_10m,wind_direction_10m',
    timezone: 'auto',
    temperature_unit: 'celsius',
    wind_speed_unit: 'kmh',
    precipitation_unit: 'mm'
  })

  t.same(report.place, {
    name: 'Berlin',
    country: 'Germany',
    countryCode: 'DE',
    admin1: 'Land Berlin',
    latitude: 52.52437,
    longitude: 13.41053,
    timezone: 'Europe/Berlin'
  })
  t.same(report.units, { system: 'metric', temperature: '°C', windSpeed: 'km/h', precipitation: 'mm', humidity: '%', windDirection: '°' })
  t.match(report.current, { temperature: 21.4, apparentTemperature: 20.1, humidity: 48, weatherCode: 2, description: 'Partly cloudy', windDirection: 247 })
  t.equal(formatCurrent(report), [
    'Current weather in Berlin, Land Berlin, Germany (52.52437, 13.41053) at 2025-06-12 14:45 (Europe/Berlin):',
    'Partly cloudy, 21.4 °C (feels like 20.1 °C)',
    'Humidity 48%, precipitation 0 mm',
    'Wind 14.8 km/h from WSW (247°)'
  ].join('\n'))
})

t.test('known place, imperial: fahrenheit, mph and inch are forwarded', async (t) => {
  const { server, service } = await setup(t)
  const report = await service.current({ location: 'Berlin', units: 'imperial' })
  t.match(Object.fromEntries(server.requests[1].query), { temperature_unit: 'fahrenheit', wind_speed_unit: 'mph', precipitation_unit: 'inch' })
  t.match(report.units, { system: 'imperial', temperature: '°F', windSpeed: 'mph', precipitation: 'in' })
  t.equal(report.current.temperature, 70.5)
})

t.test('forecast: days and units forwarded, one entry per day', async (t) => {
  const { server, service } = await setup(t)
  const metric = await service.forecast({ location: 'Berlin' })
  const query = Object.fromEntries(server.requests[1].query)
  t.match(query, {
    daily: 'weather_code,temperature_2m_max,temperature_2m_min,precipitation_sum,precipitation_probability_max,wind_speed_10m_max',
    forecast_days: '7',
    timezone: 'auto',
    temperature_unit: 'celsius'
  })
  t.notOk('current' in query, 'a forecast does not ask for current conditions')
  t.equal(metric.days.length, 7)
  t.same(metric.days[0], {
    date: '2025-06-12',
    temperatureMin: 12.4,
    temperatureMax: 23.1,
    precipitationSum: 0,
    precipitationProbabilityMax: 5,
    windSpeedMax: 16.9,
    weatherCode: 2,
    description: 'Partly cloudy'
  })
  const text = formatForecast(metric).split('\n')
  t.equal(text[0], '7-day forecast for Berlin, Land Berlin, Germany (52.52437, 13.41053) (Europe/Berlin):')
  t.equal(text[1], '2025-06-12: Partly cloudy, 12.4 to 23.1 °C, precipitation 0 mm (5% chance), wind up to 16.9 km/h')
  t.equal(text[7], '2025-06-18: Thunderstorm, 16.2 to 26.3 °C, precipitation 9.4 mm, wind up to 24.8 km/h', 'null probability left out')

  const imperial = await service.forecast({ location: 'Berlin', units: 'imperial', days: 3 })
  t.match(Object.fromEntries(server.requests[2].query), { forecast_days: '3', temperature_unit: 'fahrenheit', wind_speed_unit: 'mph', precipitation_unit: 'inch' })
  t.equal(imperial.days.length, 3)
  t.equal(imperial.days[2].precipitationSum, 0.268)
  t.equal(server.requests.filter((r) => r.path === '/v1/search').length, 1, 'the geocoding answer was cached across calls')
})

t.test('latitude+longitude: no geocoding; time zone comes from the forecast', async (t) => {
  const { server, service } = await setup(t)
  const report = await service.current({ latitude: -33.8688, longitude: 151.2093 })
  t.equal(server.requests.length, 1)
  t.equal(server.requests[0].path, '/v1/forecast')
  t.match(Object.fromEntries(server.requests[0].query), { latitude: '-33.8688', longitude: '151.2093' })
  t.same(report.place, { name: '-33.8688, 151.2093', latitude: -33.8688, longitude: 151.2093, timezone: 'Australia/Sydney' })
  t.equal(report.current.description, 'Slight rain')
  t.match(formatCurrent(report), /^Current weather in -33.8688, 151.2093 at 2025-06-12 22:45 \(Australia\/Sydney\):/)
})

t.test('unknown place: geocoding without `results` is "place not found"', async (t) => {
  const { server, service } = await setup(t)
  const error = await errorOf(service.current({ location: 'Atlantis' }))
  t.type(error, WeatherError)
  t.match(error, { message: /^place not found: 'Atlantis'\. .*`latitude` and `longitude`/ })
  t.equal(server.requests.length, 1, 'no forecast request')
  await errorOf(service.forecast({ location: 'Atlantis' }))
  t.equal(server.requests.length, 1, '"not found" is cached too')
})

t.test('HTTP 500 from the forecast API', async (t) => {
  const { server, service } = await setup(t, {}, (_req, res) => { res.writeHead(500).end('Internal error') })
  const error = await errorOf(service.current({ latitude: 1, longitude: 2 }))
  t.type(error, WeatherError)
  t.equal((error as Error).message, 'weather service error: HTTP 500 Internal Server Error')
  t.equal(server.requests.length, 2, 'retried once')
})

t.test('HTTP 500 from geocoding names the geocoding service', async (t) => {
  const { service } = await setup(t, { retry: false }, (_req, res) => { res.writeHead(500).end() })
  t.match(await errorOf(service.current({ location: 'Berlin' })), { message: 'geocoding service error: HTTP 500 Internal Server Error' })
})

t.test('HTTP 400 carries Open-Meteo\'s reason', async (t) => {
  const { server, service } = await setup(t, {}, (_req, res) => { sendJson(res, 400, fixture('error-400-latitude.json')) })
  const error = await errorOf(service.forecast({ latitude: 89.9, longitude: 0 }))
  t.equal((error as Error).message, 'weather service error: HTTP 400 Bad Request: Latitude must be in range of -90 to 90°. Given: 100.0.')
  t.equal(server.requests.length, 1, '4xx is not retried')
})

t.test('timeout: "weather service unreachable (timeout after …)"', async (t) => {
  const { server, service } = await setup(t, { timeoutMs: 100 }, hang)
  const abortSeen = server.nextAbort()
  const error = await errorOf(service.current({ latitude: 1, longitude: 2 }))
  t.type(error, WeatherError)
  t.equal((error as Error).message, 'weather service unreachable (timeout after 100 ms)')
  await abortSeen
  t.equal(server.requests.length, 1)
})

t.test('cancelled call: upstream request aborted, reported as cancelled', async (t) => {
  const { server, service } = await setup(t, {}, hang)
  const controller = new AbortController()
  const abortSeen = server.nextAbort()
  const call = errorOf(service.forecast({ location: 'Berlin' }, controller.signal))
  await server.nextRequest()
  controller.abort()
  t.match(await call, { name: 'WeatherError', message: 'weather request cancelled' })
  t.equal((await abortSeen).path, '/v1/search')
})

t.test('location arguments: exactly one of a name or a coordinate pair', async (t) => {
  t.same(resolveTarget({ location: ' Berlin ' }), { kind: 'name', name: 'Berlin' })
  t.same(resolveTarget({ latitude: 0, longitude: 0 }), { kind: 'coordinates', latitude: 0, longitude: 0 })
  const says = (args: Parameters<typeof resolveTarget>[0], pattern: RegExp) =>
    t.throws(() => resolveTarget(args), { name: 'WeatherError', message: pattern })
  says({}, /^no location given: send `location` \(a place name, e\.g\. "Berlin"\) or both `latitude` and `longitude`/)
  says({ location: 'Berlin', latitude: 1, longitude: 2 }, /either `location` or `latitude`\+`longitude`, not both/)
  says({ location: 'Berlin', longitude: 2 }, /not both/)
  says({ latitude: 52.5 }, /^`longitude` is missing/)
  says({ longitude: 13.4 }, /^`latitude` is missing/)
  says({ location: '   ' }, /^`location` is empty/)
  says({ latitude: 100, longitude: 0 }, /^`latitude` must be between -90 and 90, got 100/)
})

t.test('argument errors reach no server', async (t) => {
  const { server, service } = await setup(t)
  t.match(await errorOf(service.current({})), { name: 'WeatherError' })
  t.match(await errorOf(service.forecast({ location: 'Berlin', days: 17 })), { message: '`days` must be a whole number from 1 to 16, got 17' })
  t.equal(server.requests.length, 0)
})
