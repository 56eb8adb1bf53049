/** `prompts/get`: validate the arguments, run the handler, shape the messages. */
import type { PromptResult } from '../../registry/types.ts'
import type { Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { missingScopes } from '../../registry/access.ts'
import { insufficientScope, invalidParams, unknownPrompt } from '../errors.ts'
import { runHandler } from '../run-handler.ts'
import { handlerFailure } from './resources.ts'

export async function getPrompt (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  const { name } = call.params
  if (typeof name !== 'string') throw invalidParams('"name" (the prompt to get) must be a string')
  const prompt = core.registry.prompts.get(name)
  if (prompt === undefined) {
    throw unknownPrompt(name)
  }
  if (missingScopes(prompt.scopes, call.tc.principal).length > 0) throw insufficientScope(`prompt "${name}"`, prompt.scopes)
  const args = call.params.arguments ?? {}
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw invalidParams('"arguments" must be an object of strings')
  }
  if (!prompt.validateArguments(args)) {
    throw invalidParams(`arguments for prompt "${name}": ${prompt.validateArguments.problems()}`)
  }

  let outcome
  try {
    outcome = await runHandler(core, call, prompt, name, args as never, prompt.handler)
  } catch (error) {
    throw handlerFailure(call, `Prompt "${name}"`, error)
  }
  if ('inputRequired' in outcome) return outcome.inputRequired
  return promptResult(outcome.value)
}

function promptResult (value: PromptResult): Record<string, unknown> {
  if (typeof value === 'string') return { messages: [{ role: 'user', content: { type: 'text', text: value } }] }
  if (Array.isArray(value)) return { messages: value }
  const result: Record<string, unknown> = { messages: value.messages }
  if (value.description !== undefined) result.description = value.description
  return result
}
