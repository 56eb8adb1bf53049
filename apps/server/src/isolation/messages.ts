/**
 * What crosses the boundary between the host and an isolated plugin (a
 * worker thread or a child process): plain, structured-cloneable objects.
 * A call is one `call` message out and one `result` or `error` back; progress,
 * client logs, input requests (elicit, sample, roots) and cancellation are
 * extra messages only when the handler uses them.
 */
import type { LoggingLevel, Principal } from '../registry/types.ts'

/** The handler kinds a plugin registers; `complete` runs a completer, `ready` a readiness check. */
export type CallKind = 'tool' | 'resource' | 'template' | 'prompt' | 'complete' | 'ready'

export interface InitMessage {
  t: 'init'
  /** The plugin's module URL (resolved by the host). */
  url: string
  name: string
  options: Record<string, unknown>
  /** Process mode: the hosts the plugin may open connections to (enforced in the child; see net-guard.ts). */
  hosts?: string[]
}

export interface CallMessage {
  t: 'call'
  id: number
  kind: CallKind
  /** The tool or prompt name, the resource URI, the template, or `<owner>:<check>`. */
  key: string
  /** Tool or prompt arguments; for `complete`: `{ argument, value, context }`. */
  args?: unknown
  /** Resource reads: the URI read; templates also send their variables. */
  uri?: string
  variables?: Record<string, string>
  principal?: Principal
  client?: string
}

export type HostMessage =
  | InitMessage
  | CallMessage
  | { t: 'abort', id: number, reason: string }
  | { t: 'answer', id: number, ask: number, value?: unknown, error?: string }
  | { t: 'ping', n: number }

export interface ToolDescriptor { [key: string]: unknown, name: string }
export interface Registrations {
  tools: ToolDescriptor[]
  resources: Array<Record<string, unknown> & { uri: string }>
  templates: Array<Record<string, unknown> & { uriTemplate: string, completes: string[] }>
  prompts: Array<Record<string, unknown> & { name: string, completes: string[] }>
  readiness: string[]
}

export interface SerializedError {
  message: string
  /** A ToolError: its message is meant for the caller. */
  toolError?: boolean
  /** Refused by the process sandbox (permission model or network guard). */
  denied?: boolean
  details?: unknown
}

export type GuestMessage =
  | { t: 'registered', registrations: Registrations }
  | { t: 'failed', message: string }
  | { t: 'result', id: number, value: unknown }
  | { t: 'error', id: number, error: SerializedError }
  | { t: 'progress', id: number, progress: number, total?: number, message?: string }
  | { t: 'log', id: number, level: LoggingLevel, data: unknown, logger?: string }
  | { t: 'ask', id: number, ask: number, method: 'elicit' | 'sample' | 'listRoots', request: unknown }
  | { t: 'logger', level: string, bindings: Record<string, unknown>, args: unknown[] }
  | { t: 'notify', uri: string }
  | { t: 'uncaught', message: string }
  | { t: 'pong', n: number }
