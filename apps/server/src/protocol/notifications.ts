/** The change notifications both eras send, by the kind of change. */
import type { ListKind } from '../registry/registry.ts'

export const LIST_CHANGED: Readonly<Record<ListKind, string>> = {
  tools: 'notifications/tools/list_changed',
  resources: 'notifications/resources/list_changed',
  prompts: 'notifications/prompts/list_changed'
}

export const RESOURCE_UPDATED = 'notifications/resources/updated'
