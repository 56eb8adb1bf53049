/**
 * The readable text of a result: a few short lines a person (or a model) can
 * quote directly. The same data is in `structuredContent` for programs.
 */
import type { Place } from './open-meteo.ts'
import type { CurrentReport, ForecastReport, Units } from './service.ts'

export function formatCurrent (report: CurrentReport): string {
  const { current: c, units } = report
  return [
    `Current weather in ${placeLabel(report.place)} at ${c.time.replace('T', ' ')} (${report.place.timezone}):`,
    `${c.description}, ${value(c.temperature, units.temperature)} (feels like ${value(c.apparentTemperature, units.temperature)})`,
    `Humidity ${value(c.humidity, '%')}, precipitation ${value(c.precipitation, units.precipitation)}`,
    `Wind ${value(c.windSpeed, units.windSpeed)}${c.windDirection !== null ? ` from ${compass(c.windDirection)} (${c.windDirection}°)` : ''}`
  ].join('\n')
}

export function formatForecast (report: ForecastReport): string {
  const { units } = report
  const lines = report.days.map((d) => {
    const probability = d.precipitationProbabilityMax !== null ? ` (${d.precipitationProbabilityMax}% chance)` : ''
    return `${d.date}: ${d.description}, ${range(d.temperatureMin, d.temperatureMax, units)}, ` +
      `precipitation ${value(d.precipitationSum, units.precipitation)}${probability}, wind up to ${value(d.windSpeedMax, units.windSpeed)}`
  })
  const count = report.days.length
  return [`${count}-day forecast for ${placeLabel(report.place)} (${report.place.timezone}):`, ...lines].join('\n')
}

/** "Berlin, Land Berlin, Germany (52.52, 13.41)"; raw coordinates are just the coordinates. */
export function placeLabel (place: Place): string {
  const coordinates = `${place.latitude}, ${place.longitude}`
  const parts = [place.name, place.admin1, place.country].filter((part): part is string => part !== undefined && part !== '')
  // A region equal to the name ("Berlin, Berlin") adds nothing.
  const unique = parts.filter((part, i) => parts.indexOf(part) === i)
  return place.name === coordinates ? coordinates : `${unique.join(', ')} (${coordinates})`
}

function value (n: number | null, unit: string): string {
  if (n === null) return 'n/a'
  return unit === '%' ? `${n}%` : `${n} ${unit}`
}

function range (min: number | null, max: number | null, units: Units): string {
  if (min === null || max === null) return `${value(min, units.temperature)} to ${value(max, units.temperature)}`
  return `${min} to ${max} ${units.temperature}`
}

const POINTS = ['N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE', 'S', 'SSW', 'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW']

/** 16-point compass name of a meteorological wind direction (where the wind comes from). */
export function compass (degrees: number): string {
  return POINTS[Math.round((((degrees % 360) + 360) % 360) / 22.5) % 16]
}
