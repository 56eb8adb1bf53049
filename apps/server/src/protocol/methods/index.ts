/** The method table: one entry per JSON-RPC method, with the era it belongs to. */
import type { Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { complete } from './completion.ts'
import { discover, initialize, ping, setLevel } from './lifecycle.ts'
import { listPrompts, listResources, listResourceTemplates, listTools } from './lists.ts'
import { getPrompt } from './prompts.ts'
import { readResource } from './resources.ts'
import { listen, subscribe, unsubscribe } from './subscriptions.ts'
import { cancelTask, getTask, updateTask } from './tasks.ts'
import { callTool } from './tools.ts'

export type MethodHandler = (core: CoreContext, call: Call) =>
  Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>

export interface MethodEntry {
  era: 'both' | 'modern' | 'legacy'
  handler: MethodHandler
}

export type MethodTable = ReadonlyMap<string, MethodEntry>

export const methods: MethodTable = new Map<string, MethodEntry>([
  ['tools/list', { era: 'both', handler: listTools }],
  ['tools/call', { era: 'both', handler: callTool }],
  ['resources/list', { era: 'both', handler: listResources }],
  ['resources/templates/list', { era: 'both', handler: listResourceTemplates }],
  ['resources/read', { era: 'both', handler: readResource }],
  ['prompts/list', { era: 'both', handler: listPrompts }],
  ['prompts/get', { era: 'both', handler: getPrompt }],
  ['completion/complete', { era: 'both', handler: complete }],
  ['server/discover', { era: 'modern', handler: discover }],
  ['subscriptions/listen', { era: 'modern', handler: listen }],
  ['tasks/get', { era: 'modern', handler: getTask }],
  ['tasks/update', { era: 'modern', handler: updateTask }],
  ['tasks/cancel', { era: 'modern', handler: cancelTask }],
  ['initialize', { era: 'legacy', handler: initialize }],
  ['ping', { era: 'legacy', handler: ping }],
  ['logging/setLevel', { era: 'legacy', handler: setLevel }],
  ['resources/subscribe', { era: 'legacy', handler: subscribe }],
  ['resources/unsubscribe', { era: 'legacy', handler: unsubscribe }]
])
