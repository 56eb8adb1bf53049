/**
 * Compiles JSON Schemas (TypeBox output or hand-written) into validators, once,
 * at registration. JSON Schema 2020-12 is MCP's default dialect; draft-07 is
 * accepted when a schema names it in `$schema`.
 *
 * Ajv generates validator code from the schema (never from request input):
 * schemas come from plugins, which the operator installed and trusts.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import AjvDraft07 from 'ajv'
import type { ErrorObject, ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { MCP_ERR_INVALID_SCHEMA, MCP_ERR_UNSUPPORTED_SCHEMA_DIALECT } from '../errors.ts'

// ajv-formats ships CommonJS; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: object) => void
const Draft07 = ((AjvDraft07 as unknown as { default?: typeof AjvDraft07 }).default ?? AjvDraft07) as unknown as typeof Ajv2020

const options = { strict: false, allErrors: true, validateSchema: true } as const
const ajv2020 = new Ajv2020(options)
addFormats(ajv2020)
// Made when a schema first names draft-07 (few do): start-up pays for one Ajv, not two.
let ajv07: Ajv2020 | undefined
function draft07 (): Ajv2020 {
  if (ajv07 === undefined) {
    ajv07 = new Draft07(options)
    addFormats(ajv07)
  }
  return ajv07
}

const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/

export interface Validator {
  (value: unknown): boolean
  /** Human-readable problems of the last failed call, e.g. `expression: must be string`. */
  problems (): string
  /**
   * The value the last successful call produced, for schemas that transform
   * (Standard Schema libraries); absent: the value checked is the value.
   */
  parsed?: () => unknown
}

export function compileSchema (schema: object, what: string): Validator {
  const dialect = (schema as { $schema?: unknown }).$schema
  let ajv: Ajv2020
  if (dialect === undefined || (typeof dialect === 'string' && DRAFT_2020.test(dialect))) ajv = ajv2020
  else if (typeof dialect === 'string' && DRAFT_07.test(dialect)) ajv = draft07()
  else throw new MCP_ERR_UNSUPPORTED_SCHEMA_DIALECT(what, JSON.stringify(dialect))

  let validate: ValidateFunction
  try {
    validate = ajv.compile(schema)
  } catch (error) {
    throw new MCP_ERR_INVALID_SCHEMA(what, `not a valid JSON Schema (${(error as Error).message.replace(/^schema is invalid: /, '')})`, { cause: error })
  }
  const validator = ((value: unknown) => validate(value)) as Validator
  validator.problems = () => describeErrors(validate.errors ?? [])
  return validator
}

const MAX_PROBLEMS = 5

function describeErrors (errors: ErrorObject[]): string {
  const seen = new Set<string>()
  for (const error of errors) {
    if (seen.size === MAX_PROBLEMS) break
    seen.add(describeError(error))
  }
  const more = errors.length > seen.size ? ` (and ${errors.length - seen.size} more)` : ''
  return [...seen].join('; ') + more
}

function describeError (error: ErrorObject): string {
  const path = error.instancePath === '' ? '' : error.instancePath.slice(1).replaceAll('/', '.')
  const at = (name: string) => (path === '' ? name : `${path}.${name}`)
  switch (error.keyword) {
    case 'required':
      return `${at(String(error.params.missingProperty))}: is required`
    case 'additionalProperties':
      return `${at(String(error.params.additionalProperty))}: is not an allowed property`
    default:
      return `${path === '' ? '(arguments)' : path}: ${error.message ?? 'is invalid'}`
  }
}
