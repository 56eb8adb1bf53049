/**
 * Change notifications, both eras. Legacy: `resources/subscribe` and the
 * session's standalone channel (HTTP GET stream or the WebSocket). Modern:
 * `subscriptions/listen`, a request whose open response stream carries the
 * notifications the client opted in to.
 */
import type { ChangeEvent } from '../../state/event-bus.ts'
import type { Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { declaresTasks } from '../tasks/manager.ts'
import { missingScopes } from '../../registry/access.ts'
import { insufficientScope, invalidParams, listenNeedsStream, missingTasksExtension, shuttingDown, tooManySubscriptions, valueTooLarge } from '../errors.ts'
import { scopesToRead } from './resources.ts'
import { LIST_CHANGED, RESOURCE_UPDATED } from '../notifications.ts'
import { META } from '../versions.ts'

export async function subscribe (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  const uri = requireUri(call)
  const session = call.tc.session!
  const { budgets } = core.options
  // Change notifications of a resource are for those who may read it.
  const needed = scopesToRead(core, uri)
  if (missingScopes(needed, call.tc.principal).length > 0) throw insufficientScope(`resource "${uri}"`, needed)
  if (uri.length > budgets.maxUriLength) throw valueTooLarge('"uri"', Buffer.byteLength(uri), budgets.maxUriLength)
  if (!session.data.subscriptions.includes(uri) && session.data.subscriptions.length >= budgets.maxSubscriptionsPerSession) {
    throw tooManySubscriptions(budgets.maxSubscriptionsPerSession)
  }
  if (!session.data.subscriptions.includes(uri)) {
    await core.sessions.update(session, { subscriptions: [...session.data.subscriptions, uri] })
  }
  return {}
}

export async function unsubscribe (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  const uri = requireUri(call)
  const session = call.tc.session!
  await core.sessions.update(session, { subscriptions: session.data.subscriptions.filter((u) => u !== uri) })
  return {}
}

function requireUri (call: Call): string {
  const { uri } = call.params
  if (typeof uri !== 'string') throw invalidParams('"uri" must be a string')
  return uri
}

interface Filter {
  toolsListChanged?: boolean
  promptsListChanged?: boolean
  resourcesListChanged?: boolean
  resourceSubscriptions?: string[]
  taskIds?: string[]
}

/**
 * Modern `subscriptions/listen`: acknowledge, then forward matching events
 * until the client closes the stream (cancellation: no response) or the
 * server shuts down (a final, successful response).
 */
export async function listen (core: CoreContext, call: Call): Promise<Record<string, unknown> | undefined> {
  if (call.tc.send === undefined) {
    throw listenNeedsStream()
  }
  if (core.closing) throw shuttingDown('listen again on another instance')
  const requested = (call.params.notifications ?? {}) as Filter
  if (typeof requested !== 'object' || Array.isArray(requested)) {
    throw invalidParams('"notifications" must be an object such as { "toolsListChanged": true }')
  }
  const filter: Filter = {}
  if (requested.toolsListChanged === true) filter.toolsListChanged = true
  if (requested.promptsListChanged === true) filter.promptsListChanged = true
  if (requested.resourcesListChanged === true) filter.resourcesListChanged = true
  if (Array.isArray(requested.resourceSubscriptions)) {
    // URIs the caller may not read are left out (the acknowledgement lists what is kept).
    filter.resourceSubscriptions = requested.resourceSubscriptions.filter((uri): uri is string =>
      typeof uri === 'string' && missingScopes(scopesToRead(core, uri), call.tc.principal).length === 0)
  }
  if (Array.isArray((requested as { taskIds?: unknown }).taskIds)) {
    if (!declaresTasks(call.clientCapabilities)) throw missingTasksExtension('Task notifications ("taskIds")')
    filter.taskIds = (requested.taskIds as unknown[]).filter((id): id is string => typeof id === 'string')
  }
  const principalId = call.tc.principal?.id ?? null
  const tag = { [META.subscriptionId]: call.id }
  call.send({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { _meta: tag, notifications: filter } })

  const wanted = (event: ChangeEvent): boolean => event.type === 'listChanged'
    ? (event.list === 'tools' && filter.toolsListChanged === true) ||
      (event.list === 'prompts' && filter.promptsListChanged === true) ||
      (event.list === 'resources' && filter.resourcesListChanged === true)
    : event.type === 'task'
      ? event.principalId === principalId && filter.taskIds?.includes(event.taskId) === true
      : filter.resourceSubscriptions?.includes(event.uri) === true

  const unsubscribe = core.bus.subscribe((event) => {
    if (!wanted(event)) return
    if (event.type === 'task') {
      call.send({ jsonrpc: '2.0', method: 'notifications/tasks', params: { ...event.task, _meta: tag } })
      return
    }
    const params = event.type === 'listChanged' ? { _meta: tag } : { _meta: tag, uri: event.uri }
    call.send({ jsonrpc: '2.0', method: event.type === 'listChanged' ? LIST_CHANGED[event.list] : RESOURCE_UPDATED, params })
  })
  try {
    await new Promise<void>((resolve) => {
      if (call.aborted) return resolve()
      call.onAbort = () => resolve()
    })
  } finally {
    unsubscribe()
  }
  // The server ended it (shutdown): say so with a response; a client cancellation gets none.
  return call.cancelledByClient ? undefined : { _meta: tag }
}
