/** `completion/complete` for prompt arguments and resource template variables. */
import type { Completer } from '../../registry/types.ts'
import type { Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { handlerFailed, invalidParams, unknownPrompt, unknownResourceTemplate } from '../errors.ts'

const MAX_VALUES = 100

export async function complete (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  const { ref, argument, context } = call.params as { ref?: Record<string, unknown>, argument?: Record<string, unknown>, context?: { arguments?: Record<string, string> } }
  if (ref === undefined || typeof ref !== 'object' || argument === undefined || typeof argument?.name !== 'string' || typeof argument.value !== 'string') {
    throw invalidParams('completion/complete needs "ref" and "argument": { "name", "value" }')
  }
  let completer: Completer | undefined
  if (ref.type === 'ref/prompt') {
    const prompt = typeof ref.name === 'string' ? core.registry.prompts.get(ref.name) : undefined
    if (prompt === undefined) throw unknownPrompt(String(ref.name))
    completer = prompt.complete[argument.name]
  } else if (ref.type === 'ref/resource') {
    const template = typeof ref.uri === 'string' ? core.registry.templates.get(ref.uri) : undefined
    if (template === undefined) {
      if (typeof ref.uri === 'string' && core.registry.resources.has(ref.uri)) return empty()
      throw unknownResourceTemplate(ref.uri)
    }
    completer = (template.definition.complete as Record<string, Completer | undefined> | undefined)?.[argument.name]
  } else {
    throw invalidParams('"ref.type" must be "ref/prompt" or "ref/resource"')
  }
  if (completer === undefined) return empty()

  let values: string[]
  try {
    values = await completer(argument.value, { arguments: context?.arguments ?? {} })
  } catch (error) {
    call.logger.error({ err: error }, 'completer failed')
    throw handlerFailed('Completion', (error as Error).message)
  }
  return {
    completion: {
      values: values.slice(0, MAX_VALUES),
      total: values.length,
      hasMore: values.length > MAX_VALUES
    }
  }
}

function empty (): Record<string, unknown> {
  return { completion: { values: [], hasMore: false } }
}
