/**
 * The three kinds of schema a tool's `input` and `output` accept, brought to
 * one shape: the JSON Schema to list (`inputSchema` / `outputSchema`) and a
 * validator. TypeBox and plain JSON Schema are one case (TypeBox builds JSON
 * Schema) compiled by Ajv; a Standard Schema (zod 4, valibot, arktype, ...)
 * validates with its own library and is listed through Standard JSON Schema
 * (`~standard.jsonSchema`), as JSON Schema 2020-12.
 */
import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec'
import { MCP_ERR_INVALID_SCHEMA } from '../errors.ts'
import type { JsonSchema } from './types.ts'
import { compileSchema, type Validator } from './validator.ts'

export interface ToolSchema {
  /** The JSON Schema listed to clients. */
  readonly json: Record<string, unknown>
  readonly validate: Validator
}

type Standard = StandardSchemaV1 & Partial<StandardJSONSchemaV1>

function isStandard (schema: object): schema is Standard {
  const props = (schema as { '~standard'?: { validate?: unknown } })['~standard']
  return typeof props === 'object' && props !== null && typeof props.validate === 'function'
}

/**
 * `direction`: `input` lists what a client sends (before the library's
 * transforms), `output` what it receives (after them).
 */
export function toolSchema (schema: object, direction: 'input' | 'output', what: string): ToolSchema {
  if (!isStandard(schema)) return { json: schema as Record<string, unknown>, validate: compileSchema(schema, what) }
  const props = schema['~standard']
  const converter = props.jsonSchema
  if (typeof converter?.[direction] !== 'function') {
    const hint = props.vendor === 'valibot'
      ? ': wrap it with toStandardJsonSchema() from @valibot/to-json-schema'
      : ' (a version of the library that implements it, or a JSON Schema)'
    throw new MCP_ERR_INVALID_SCHEMA(what, `this ${props.vendor} schema cannot be listed as JSON Schema: it does not implement Standard JSON Schema ("~standard".jsonSchema)${hint}`)
  }
  let json: Record<string, unknown>
  try {
    json = converter[direction]({ target: 'draft-2020-12' })
  } catch (error) {
    throw new MCP_ERR_INVALID_SCHEMA(what, `${props.vendor} could not convert it to JSON Schema 2020-12 (${(error as Error).message})`, { cause: error })
  }
  return { json, validate: standardValidator(schema, what) }
}

/** Whether the schema describes an object, as tool input must. */
export function describesObject (schema: JsonSchema | Record<string, unknown>): boolean {
  return schema.type === 'object'
}

const MAX_PROBLEMS = 5

/**
 * A Standard Schema as a Validator. Validation is synchronous on the call
 * path (tools/call validates before it runs anything), so a schema that
 * validates asynchronously (e.g. zod's async refinements) is reported as a
 * failed check naming the problem rather than silently accepted.
 */
function standardValidator (schema: Standard, what: string): Validator {
  let problems = ''
  let parsed: unknown
  const validator = ((value: unknown) => {
    const result = schema['~standard'].validate(value)
    if (result instanceof Promise) {
      result.catch(() => {})
      problems = `${what} validates asynchronously, which this server does not support: use synchronous checks`
      return false
    }
    if (result.issues !== undefined) {
      problems = describeIssues(result.issues)
      return false
    }
    parsed = result.value
    return true
  }) as Validator
  validator.problems = () => problems
  validator.parsed = () => parsed
  return validator
}

function describeIssues (issues: readonly StandardSchemaV1.Issue[]): string {
  const shown = issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.')
    return `${path === '' ? '(arguments)' : path}: ${issue.message}`
  })
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : ''
  return shown.join('; ') + more
}
