/**
 * `jsonSchema<T>(schema)`: a plain JSON Schema with the type of what it
 * describes, for tool `input` / `output` written by hand. It returns the
 * schema unchanged (the type is only for the compiler): the host validates
 * with the schema itself, so the two must agree.
 */
import type { JsonSchema } from './types.ts'

export function jsonSchema<T extends Record<string, unknown> = Record<string, unknown>> (schema: JsonSchema): JsonSchema<T> {
  return schema as JsonSchema<T>
}
