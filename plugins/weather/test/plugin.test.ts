/**
 * End to end: the plugin loaded by the real host (`buildApp`), called as an
 * MCP client would (`tools/list`, `tools/call` through `app.inject`), with the
 * upstream replaced by the local replay server.
 */
import t from 'tap'
import { buildTestApp, createInjectClient, type Teardown } from '@mcp-platform/server/testing'
import weather, { type WeatherOptions } from '../src/index.ts'
import { fixture, hang, sendJson, startReplayServer, type Route } from './helpers/replay-server.ts'

interface ToolResultShape {
  isError?: boolean
  content: Array<{ type: string, text?: string }>
  structuredContent?: Record<string, unknown>
}

async function setup (t: Teardown, options: Partial<WeatherOptions> = {}, route?: Route, limits: Record<string, number> = {}) {
  const server = await startReplayServer(route)
  t.teardown(async () => { await server.close() })
  const app = await buildTestApp(t, {
    limits,
    plugins: [{ plugin: weather, options: { apiUrl: server.url, geocodingUrl: server.url, retryDelayMs: 1, ...options } }]
  })
  // The kit closes the app at teardown too; closing it twice is harmless.
  const close = async () => { await app.close() }
  const client = createInjectClient(app)
  const call = async (name: string, args: Record<string, unknown>) => await client.callTool(name, args) as ToolResultShape
  return { server, app, client, call, close }
}

const textOf = (result: ToolResultShape) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n')

/** See client.test.ts: undici returns a keep-alive socket to its pool one loop turn after a response. */
const nextLoopTurn = async () => await new Promise((resolve) => setImmediate(resolve))

t.test('tools/list: both tools with input/output schemas and read-only, open-world hints', async (t) => {
  const { client } = await setup(t)
  const { tools } = await client.listTools() as { tools: Array<Record<string, any>> }
  const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]))
  for (const name of ['weather_current', 'weather_forecast']) {
    t.ok(byName[name], `${name} listed`)
    t.match(byName[name].annotations, { readOnlyHint: true, openWorldHint: true })
    t.match(byName[name].inputSchema.properties, { location: { type: 'string' }, latitude: { type: 'number' }, longitude: { type: 'number' } })
    t.ok(byName[name].outputSchema, 'has an output schema')
  }
  t.match(byName.weather_forecast.inputSchema.properties.days, { type: 'integer', minimum: 1, maximum: 16 })
})

t.test('weather_current for a known place: text and structuredContent', async (t) => {
  const { server, call } = await setup(t)
  const result = await call('weather_current', { location: 'Berlin' })
  t.notOk(result.isError)
  t.match(textOf(result), /^Current weather in Berlin, Land Berlin, Germany .*\nPartly cloudy, 21.4 °C \(feels like 20.1 °C\)/)
  t.match(result.structuredContent, {
    place: { name: 'Berlin', country: 'Germany', admin1: 'Land Berlin', latitude: 52.52437, longitude: 13.41053, timezone: 'Europe/Berlin' },
    units: { system: 'metric', temperature: '°C' },
    current: { temperature: 21.4, apparentTemperature: 20.1, humidity: 48, precipitation: 0, windSpeed: 14.8, windDirection: 247, weatherCode: 2, description: 'Partly cloudy' }
  })
  t.match(Object.fromEntries(server.requests[1].query), { temperature_unit: 'celsius', wind_speed_unit: 'kmh', precipitation_unit: 'mm' })
})

t.test('weather_forecast, imperial: units forwarded upstream and reported', async (t) => {
  const { server, call } = await setup(t)
  const result = await call('weather_forecast', { location: 'Berlin', units: 'imperial', days: 3 })
  t.notOk(result.isError)
  t.match(Object.fromEntries(server.requests[1].query), { forecast_days: '3', temperature_unit: 'fahrenheit', wind_speed_unit: 'mph', precipitation_unit: 'inch' })
  t.match(result.structuredContent, { units: { system: 'imperial', temperature: '°F', windSpeed: 'mph', precipitation: 'in' } })
  const days = (result.structuredContent as { days: unknown[] }).days
  t.equal(days.length, 3)
  t.match(days[2], { date: '2025-06-14', temperatureMax: 65.1, precipitationSum: 0.268, precipitationProbabilityMax: 84, description: 'Slight rain' })
  t.match(textOf(result), /^3-day forecast for Berlin/)
})

t.test('latitude+longitude: no geocoding request', async (t) => {
  const { server, call } = await setup(t)
  const result = await call('weather_current', { latitude: -33.8688, longitude: 151.2093 })
  t.notOk(result.isError)
  t.same(server.requests.map((r) => r.path), ['/v1/forecast'])
  t.match(result.structuredContent, { place: { latitude: -33.8688, longitude: 151.2093, timezone: 'Australia/Sydney' } })
})

t.test('location arguments: a tool error that says what to send', async (t) => {
  const { server, call } = await setup(t)
  const neither = await call('weather_current', {})
  t.equal(neither.isError, true)
  t.match(textOf(neither), /send `location` .* or both `latitude` and `longitude`/)
  const both = await call('weather_forecast', { location: 'Berlin', latitude: 1, longitude: 2 })
  t.equal(both.isError, true)
  t.match(textOf(both), /not both/)
  const half = await call('weather_current', { latitude: 52.5 })
  t.equal(half.isError, true)
  t.match(textOf(half), /`longitude` is missing/)
  t.equal(server.requests.length, 0)
})

t.test('unknown place: "place not found"', async (t) => {
  const { call } = await setup(t)
  const result = await call('weather_current', { location: 'Atlantis' })
  t.equal(result.isError, true)
  t.match(textOf(result), /^place not found: 'Atlantis'/)
})

t.test('upstream HTTP 500: tool error after one retry', async (t) => {
  const { server, call } = await setup(t, {}, (_req, res) => { res.writeHead(500).end() })
  const result = await call('weather_current', { latitude: 1, longitude: 2 })
  t.equal(result.isError, true)
  t.equal(textOf(result), 'weather service error: HTTP 500 Internal Server Error')
  t.equal(server.requests.length, 2)
})

t.test('upstream HTTP 400: Open-Meteo\'s reason reaches the caller', async (t) => {
  const { call } = await setup(t, {}, (_req, res) => { sendJson(res, 400, fixture('error-400-latitude.json')) })
  const result = await call('weather_forecast', { latitude: 1, longitude: 2 })
  t.equal(result.isError, true)
  t.equal(textOf(result), 'weather service error: HTTP 400 Bad Request: Latitude must be in range of -90 to 90°. Given: 100.0.')
})

t.test('upstream timeout: tool error, upstream request aborted', async (t) => {
  const { server, call } = await setup(t, { timeoutMs: 100 }, hang)
  const abortSeen = server.nextAbort()
  const result = await call('weather_current', { location: 'Berlin' })
  t.equal(result.isError, true)
  t.equal(textOf(result), 'geocoding service unreachable (timeout after 100 ms)')
  await abortSeen
})

t.test('the host cancelling the call (its tool time limit) aborts the upstream request', async (t) => {
  // The plugin's own deadline is far away: only ctx.signal can end this request.
  const { server, call } = await setup(t, { timeoutMs: 60_000 }, hang, { toolTimeoutMs: 100 })
  const abortSeen = server.nextAbort()
  const result = await call('weather_current', { latitude: 1, longitude: 2 })
  t.equal(result.isError, true, 'the host reports its time limit as a tool error')
  const aborted = await abortSeen
  t.equal(aborted.path, '/v1/forecast', 'the replay server saw the request\'s socket close')
})

t.test('cache and keep-alive across tool calls', async (t) => {
  // Geocoding on its own origin, as in production: each origin has its own pool.
  const geocoding = await startReplayServer()
  t.teardown(async () => await geocoding.close())
  const { server, call } = await setup(t, { geocodingUrl: geocoding.url })
  await call('weather_current', { location: 'Berlin' })
  await nextLoopTurn()
  await call('weather_current', { location: 'Berlin' })
  t.equal(server.requests.length + geocoding.requests.length, 2, 'second identical call served from the cache')
  await nextLoopTurn()
  await call('weather_forecast', { location: 'Berlin' })
  await nextLoopTurn()
  await call('weather_current', { latitude: 48.8566, longitude: 2.3522 })
  t.equal(geocoding.requests.length, 1, 'geocoding answer cached across tools')
  t.same(server.requests.map((r) => r.path), ['/v1/forecast', '/v1/forecast', '/v1/forecast'])
  t.equal(server.connections(), 1, 'one kept-alive forecast connection for three requests')
  t.equal(geocoding.connections(), 1)
})

t.test('closing the server closes the pooled upstream connections', async (t) => {
  const { server, call, close } = await setup(t)
  await call('weather_current', { latitude: 1, longitude: 2 })
  t.equal(server.openConnections(), 1, 'kept alive after the call')
  await close()
  // Resolves only when the client side ended the kept-alive socket (the replay server is still up).
  await server.allConnectionsClosed()
  t.equal(server.openConnections(), 0)
})
