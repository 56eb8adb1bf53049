import t from 'tap'
import { describeWeatherCode } from '../src/wmo-codes.ts'

t.test('describes WMO codes Open-Meteo uses', async (t) => {
  t.equal(describeWeatherCode(0), 'Clear sky')
  t.equal(describeWeatherCode(2), 'Partly cloudy')
  t.equal(describeWeatherCode(45), 'Fog')
  t.equal(describeWeatherCode(61), 'Slight rain')
  t.equal(describeWeatherCode(75), 'Heavy snowfall')
  t.equal(describeWeatherCode(95), 'Thunderstorm')
  t.equal(describeWeatherCode(99), 'Thunderstorm with heavy hail')
})

t.test('unknown codes and missing data say so instead of guessing', async (t) => {
  t.equal(describeWeatherCode(42), 'Unknown weather code 42')
  t.equal(describeWeatherCode(null), 'No data')
})
