/**
 * Change notifications, both eras. Legacy: `resources/subscribe` and the
 * session's standalone channel (HTTP GET stream or the WebSocket). Modern:
 * `subscriptions/listen`, a request whose open response stream carries the
 * notifications the client opted in to.
 */
import type { ChangeEvent } from '../../state/event-bus.ts'
import type { Call } from '../call.ts'
import type { ProtocolCore } from '../dispatcher.ts'
import { ErrorCode, ProtocolError } from '../jsonrpc.ts'
import { META } from '../versions.ts'

const LIST_METHOD = {
  tools: 'notifications/tools/list_changed',
  resources: 'notifications/resources/list_changed',
  prompts: 'notifications/prompts/list_changed'
} as const

export async function subscribe (core: ProtocolCore, call: Call): Promise<Record<string, unknown>> {
  const uri = requireUri(call)
  const session = call.tc.session!
  if (!session.data.subscriptions.includes(uri)) {
    await core.sessions.update(session, { subscriptions: [...session.data.subscriptions, uri] })
  }
  return {}
}

export async function unsubscribe (core: ProtocolCore, call: Call): Promise<Record<string, unknown>> {
  const uri = requireUri(call)
  const session = call.tc.session!
  await core.sessions.update(session, { subscriptions: session.data.subscriptions.filter((u) => u !== uri) })
  return {}
}

function requireUri (call: Call): string {
  const { uri } = call.params
  if (typeof uri !== 'string') throw new ProtocolError(ErrorCode.InvalidParams, 'Invalid params: "uri" must be a string')
  return uri
}

/** Legacy sessions hear list changes on their channel, and updates of the resources they subscribed to. */
export function deliverLegacyChange (core: ProtocolCore, event: ChangeEvent): void {
  for (const session of core.sessions.local()) {
    if (session.channel === undefined) continue
    if (event.type === 'listChanged') {
      session.channel({ jsonrpc: '2.0', method: LIST_METHOD[event.list] })
    } else if (session.data.subscriptions.includes(event.uri)) {
      session.channel({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: event.uri } })
    }
  }
}

interface Filter {
  toolsListChanged?: boolean
  promptsListChanged?: boolean
  resourcesListChanged?: boolean
  resourceSubscriptions?: string[]
}

/**
 * Modern `subscriptions/listen`: acknowledge, then forward matching events
 * until the client closes the stream (cancellation: no response) or the
 * server shuts down (a final, successful response).
 */
export async function listen (core: ProtocolCore, call: Call): Promise<Record<string, unknown> | undefined> {
  if (call.tc.send === undefined) {
    throw new ProtocolError(ErrorCode.InvalidRequest, 'subscriptions/listen needs a stream: send Accept: text/event-stream (HTTP) or use the WebSocket transport')
  }
  if (core.closing) throw new ProtocolError(ErrorCode.InternalError, 'The server is shutting down; listen again on another instance')
  const requested = (call.params.notifications ?? {}) as Filter
  if (typeof requested !== 'object' || Array.isArray(requested)) {
    throw new ProtocolError(ErrorCode.InvalidParams, 'Invalid params: "notifications" must be an object such as { "toolsListChanged": true }')
  }
  const filter: Filter = {}
  if (requested.toolsListChanged === true) filter.toolsListChanged = true
  if (requested.promptsListChanged === true) filter.promptsListChanged = true
  if (requested.resourcesListChanged === true) filter.resourcesListChanged = true
  if (Array.isArray(requested.resourceSubscriptions)) {
    filter.resourceSubscriptions = requested.resourceSubscriptions.filter((uri): uri is string => typeof uri === 'string')
  }
  const tag = { [META.subscriptionId]: call.id }
  call.send({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { _meta: tag, notifications: filter } })

  const wanted = (event: ChangeEvent): boolean => event.type === 'listChanged'
    ? (event.list === 'tools' && filter.toolsListChanged === true) ||
      (event.list === 'prompts' && filter.promptsListChanged === true) ||
      (event.list === 'resources' && filter.resourcesListChanged === true)
    : filter.resourceSubscriptions?.includes(event.uri) === true

  const unsubscribe = core.bus.subscribe((event) => {
    if (!wanted(event)) return
    const params = event.type === 'listChanged' ? { _meta: tag } : { _meta: tag, uri: event.uri }
    call.send({ jsonrpc: '2.0', method: event.type === 'listChanged' ? LIST_METHOD[event.list] : 'notifications/resources/updated', params })
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
