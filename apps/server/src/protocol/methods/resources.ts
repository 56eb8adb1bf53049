/** `resources/read`: an exact resource first, then the first matching template. */
import type { ReadResult, RequestContext } from '../../registry/types.ts'
import { ToolError } from '../../registry/tool-error.ts'
import type { Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { missingScopes } from '../../registry/access.ts'
import {
  handlerCancelled, handlerFailed, handlerRefused, handlerTimedOut, insufficientScope, invalidParams, ProtocolError, resourceNotFound
} from '../errors.ts'
import { formatMs, HandlerAborted, HandlerTimeout, runHandler, type HandlerOwner } from '../run-handler.ts'

export async function readResource (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  const { uri } = call.params
  if (typeof uri !== 'string') throw invalidParams('"uri" must be a string')

  let owner: HandlerOwner
  let cache: { ttlMs: number, scope: string } | undefined
  let read: (uri: string, ctx: RequestContext) => ReadResult | Promise<ReadResult>
  const resource = core.registry.resources.get(uri)
  if (resource !== undefined) {
    if (missingScopes(resource.scopes, call.tc.principal).length > 0) throw insufficientScope(`resource "${uri}"`, resource.scopes)
    owner = resource
    cache = resource.definition.cache
    read = resource.definition.read
  } else {
    const found = core.registry.matchTemplate(uri)
    if (found === undefined) {
      throw resourceNotFound(uri, call.era)
    }
    if (missingScopes(found.template.scopes, call.tc.principal).length > 0) {
      throw insufficientScope(`resource template "${found.template.uriTemplate}"`, found.template.scopes)
    }
    owner = found.template
    cache = found.template.definition.cache
    read = (uri, ctx) => found.template.definition.read(uri, found.variables, ctx)
  }

  let outcome
  try {
    outcome = await runHandler(core, call, owner, uri, uri, read)
  } catch (error) {
    throw handlerFailure(call, `Reading "${uri}"`, error)
  }
  if ('inputRequired' in outcome) return outcome.inputRequired
  const result: Record<string, unknown> = { contents: toContents(uri, outcome.value) }
  if (call.era === 'modern') {
    result.ttlMs = cache?.ttlMs ?? 0
    result.cacheScope = cache?.scope ?? 'private'
  }
  return result
}

/** The scopes reading `uri` needs: its resource's, else its template's (none when neither is registered). */
export function scopesToRead (core: CoreContext, uri: string): readonly string[] {
  return core.registry.resources.get(uri)?.scopes ?? core.registry.matchTemplate(uri)?.template.scopes ?? []
}

function toContents (uri: string, value: ReadResult): Array<Record<string, unknown>> {
  if (typeof value === 'string') return [{ uri, text: value }]
  const items = Array.isArray(value) ? value : [value]
  return items.map((item) => ({ uri, ...item }))
}

/** A failing prompt or resource handler is a JSON-RPC error (these methods have no error result). */
export function handlerFailure (call: Call, what: string, error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error
  if (error instanceof ToolError) return handlerRefused(what, error.message)
  if (error instanceof HandlerTimeout) return handlerTimedOut(what, `${formatMs(error.ms)} and ${error.outcome}`)
  if (error instanceof HandlerAborted) return handlerCancelled(what, error.message)
  call.logger.error({ err: error }, `${what} failed`)
  return handlerFailed(what, error instanceof Error ? error.message : String(error))
}
