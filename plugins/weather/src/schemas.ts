/**
 * Input and output schemas of the two tools. Inputs allow `location` and the
 * coordinates side by side (all optional): "exactly one of them" is checked in
 * the handler, whose error tells the caller what to send, which a JSON Schema
 * `oneOf` failure would not.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import { MAX_FORECAST_DAYS } from './service.ts'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

const UnitSystem = Type.Unsafe<'metric' | 'imperial'>({
  type: 'string',
  enum: ['metric', 'imperial'],
  description: '`metric` (°C, km/h, mm; the default) or `imperial` (°F, mph, inches)'
})

const locationFields = {
  location: Type.Optional(Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'A place name, e.g. "Berlin" or "Springfield, Illinois". Give this or latitude+longitude.'
  })),
  latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90, description: 'Decimal degrees, with `longitude`, instead of `location`.' })),
  longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180, description: 'Decimal degrees, with `latitude`, instead of `location`.' })),
  units: Type.Optional(UnitSystem)
}

export const CurrentInput = Type.Object(locationFields, { additionalProperties: false })

export const ForecastInput = Type.Object({
  ...locationFields,
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_FORECAST_DAYS, description: `Days to forecast, 1-${MAX_FORECAST_DAYS}; default 7.` }))
}, { additionalProperties: false })

const Place = Type.Object({
  name: Type.String({ description: 'Resolved place name, or "lat, lon" for raw coordinates.' }),
  country: Type.Optional(Type.String()),
  countryCode: Type.Optional(Type.String()),
  admin1: Type.Optional(Type.String({ description: 'First-level region (state, province).' })),
  latitude: Type.Number(),
  longitude: Type.Number(),
  timezone: Type.String({ description: 'IANA time zone; times and dates below are local to it.' })
})

const Units = Type.Object({
  system: UnitSystem,
  temperature: Type.String(),
  windSpeed: Type.String(),
  precipitation: Type.String(),
  humidity: Type.Literal('%'),
  windDirection: Type.Literal('°')
})

const WeatherCode = {
  weatherCode: Nullable(Type.Integer({ description: 'WMO weather interpretation code.' })),
  description: Type.String({ description: 'The weather code in words.' })
}

export const CurrentOutput = Type.Object({
  place: Place,
  units: Units,
  current: Type.Object({
    time: Type.String({ description: 'Local time of the observation (ISO 8601, no offset).' }),
    temperature: Nullable(Type.Number()),
    apparentTemperature: Nullable(Type.Number()),
    humidity: Nullable(Type.Number({ description: 'Relative humidity, %.' })),
    precipitation: Nullable(Type.Number()),
    windSpeed: Nullable(Type.Number()),
    windDirection: Nullable(Type.Number({ description: 'Degrees the wind comes from.' })),
    ...WeatherCode
  })
})

export const ForecastOutput = Type.Object({
  place: Place,
  units: Units,
  days: Type.Array(Type.Object({
    date: Type.String({ description: 'Local date, YYYY-MM-DD.' }),
    temperatureMin: Nullable(Type.Number()),
    temperatureMax: Nullable(Type.Number()),
    precipitationSum: Nullable(Type.Number()),
    precipitationProbabilityMax: Nullable(Type.Number({ description: '%' })),
    windSpeedMax: Nullable(Type.Number()),
    ...WeatherCode
  }))
})
