import t from 'tap'
import { resolveOptions } from '../src/options.ts'

t.test('defaults: Open-Meteo public endpoints, 5 s timeout, 60 s / 24 h TTLs, 500 entries, one retry', async (t) => {
  t.same(resolveOptions({}, {}), {
    apiUrl: 'https://api.open-meteo.com',
    geocodingUrl: 'https://geocoding-api.open-meteo.com',
    timeoutMs: 5000,
    cacheTtlMs: 60_000,
    geocodingCacheTtlMs: 86_400_000,
    cacheMaxEntries: 500,
    connections: 10,
    retry: true,
    retryDelayMs: 200
  })
})

t.test('URL precedence: plugin option, then environment, then default', async (t) => {
  const env = { WEATHER_API_URL: 'http://env-weather:8080', GEOCODING_API_URL: 'http://env-geo:8080/' }
  const fromEnv = resolveOptions({}, env)
  t.equal(fromEnv.apiUrl, 'http://env-weather:8080')
  t.equal(fromEnv.geocodingUrl, 'http://env-geo:8080', 'trailing slash dropped')
  const fromOptions = resolveOptions({ apiUrl: 'http://opt-weather', geocodingUrl: 'http://opt-geo/prefix' }, env)
  t.equal(fromOptions.apiUrl, 'http://opt-weather')
  t.equal(fromOptions.geocodingUrl, 'http://opt-geo/prefix')
  t.equal(resolveOptions({}, { WEATHER_API_URL: '  ' }).apiUrl, 'https://api.open-meteo.com', 'blank env var is unset')
})

t.test('bad URLs fail at startup with the option name', async (t) => {
  t.throws(() => resolveOptions({ apiUrl: 'not a url' }, {}), /apiUrl is not a URL/)
  t.throws(() => resolveOptions({}, { GEOCODING_API_URL: 'ftp://x' }), /geocodingUrl must be http\(s\)/)
  t.throws(() => resolveOptions({ apiUrl: 'http://x/?a=1' }, {}), /must not have a query/)
})
