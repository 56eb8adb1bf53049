/** `completion/complete` for prompt arguments and resource template variables. */
import type { Completer } from '../../registry/types.ts'
import type { Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { missingScopes } from '../../registry/access.ts'
import { handlerFailed, insufficientScope, invalidParams, unknownPrompt, unknownResourceTemplate } from '../errors.ts'

const MAX_VALUES = 100

/** An object's own property: client-chosen names such as "constructor" never reach Object.prototype. */
function own<T> (table: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined
}

function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export async function complete (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  const { ref, argument, context } = call.params
  if (!isObject(ref) || !isObject(argument) || typeof argument.name !== 'string' || typeof argument.value !== 'string') {
    throw invalidParams('completion/complete needs "ref": { "type", … } and "argument": { "name", "value" } (objects, with string name and value)')
  }
  const given = isObject(context) ? context.arguments : undefined
  if (given !== undefined && (!isObject(given) || Object.values(given).some((value) => typeof value !== 'string'))) {
    throw invalidParams('"context.arguments" must be an object of strings')
  }
  // A prototype-free copy: completers read it like a plain record, whatever keys the client sent.
  const contextArguments: Record<string, string> = Object.assign(Object.create(null), given)

  let completer: Completer | undefined
  if (ref.type === 'ref/prompt') {
    const prompt = typeof ref.name === 'string' ? core.registry.prompts.get(ref.name) : undefined
    if (prompt === undefined) throw unknownPrompt(String(ref.name))
    if (missingScopes(prompt.scopes, call.tc.principal).length > 0) throw insufficientScope(`prompt "${prompt.name}"`, prompt.scopes)
    completer = own(prompt.complete, argument.name)
  } else if (ref.type === 'ref/resource') {
    const template = typeof ref.uri === 'string' ? core.registry.templates.get(ref.uri) : undefined
    if (template === undefined) {
      if (typeof ref.uri === 'string' && core.registry.resources.has(ref.uri)) return empty()
      throw unknownResourceTemplate(ref.uri)
    }
    if (missingScopes(template.scopes, call.tc.principal).length > 0) throw insufficientScope(`resource template "${template.uriTemplate}"`, template.scopes)
    completer = own(template.definition.complete as Record<string, Completer | undefined> | undefined, argument.name)
  } else {
    throw invalidParams('"ref.type" must be "ref/prompt" or "ref/resource"')
  }
  if (completer === undefined) return empty()

  let values: unknown
  try {
    values = await completer(argument.value, { arguments: contextArguments })
  } catch (error) {
    call.logger.error({ err: error }, 'completer failed')
    throw handlerFailed('Completion', (error as Error).message)
  }
  if (!Array.isArray(values)) {
    call.logger.error({ got: typeof values }, 'completer did not return an array of strings')
    throw handlerFailed('Completion', 'the completer returned no list of values')
  }
  const strings = values.filter((value): value is string => typeof value === 'string')
  return {
    completion: {
      values: strings.slice(0, MAX_VALUES),
      total: strings.length,
      hasMore: strings.length > MAX_VALUES
    }
  }
}

function empty (): Record<string, unknown> {
  return { completion: { values: [], hasMore: false } }
}
