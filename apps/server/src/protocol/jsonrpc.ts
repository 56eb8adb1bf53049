/**
 * JSON-RPC 2.0 envelopes: their types, how a parsed message is classified,
 * and how responses are made. Checks are a few `typeof`s on purpose: this
 * runs for every message.
 */
import { batchNotSupported, invalidMessage, type ProtocolError } from './errors.ts'

export type RequestId = string | number

export interface JsonRpcRequest {
  jsonrpc: '2.0'
  id: RequestId
  method: string
  params?: Record<string, unknown>
}

export interface JsonRpcNotification {
  jsonrpc: '2.0'
  method: string
  params?: Record<string, unknown>
}

export interface JsonRpcSuccess {
  jsonrpc: '2.0'
  id: RequestId
  result: Record<string, unknown>
}

export interface JsonRpcFailure {
  jsonrpc: '2.0'
  id: RequestId | null
  error: { code: number, message: string, data?: unknown }
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse

export type MessageKind = 'request' | 'notification' | 'response'

function isId (id: unknown): id is RequestId {
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id))
}

/**
 * Classifies a parsed message, or throws a ProtocolError (-32600) saying what
 * is wrong with its shape. Batches are refused: MCP removed them in 2025-06-18.
 */
export function classifyMessage (message: unknown): MessageKind {
  if (Array.isArray(message)) {
    throw batchNotSupported()
  }
  if (message === null || typeof message !== 'object') {
    throw invalidMessage('the body must be a JSON-RPC 2.0 object')
  }
  const m = message as Record<string, unknown>
  if (m.jsonrpc !== '2.0') {
    throw invalidMessage('"jsonrpc" must be "2.0"')
  }
  if (typeof m.method === 'string') {
    if (m.params !== undefined && (m.params === null || typeof m.params !== 'object' || Array.isArray(m.params))) {
      throw invalidMessage('"params" must be an object')
    }
    if (!('id' in m)) return 'notification'
    if (!isId(m.id)) {
      throw invalidMessage('"id" must be a string or an integer (null is not allowed)')
    }
    return 'request'
  }
  if (m.method !== undefined) {
    throw invalidMessage('"method" must be a string')
  }
  if (isId(m.id) && (('result' in m) !== ('error' in m))) return 'response'
  throw invalidMessage('a message needs a "method" (request or notification) or an "id" with "result" or "error" (response)')
}

/** The request id of a message that may be malformed, for the error response. */
export function idOf (message: unknown): RequestId | null {
  if (message !== null && typeof message === 'object' && !Array.isArray(message)) {
    const id = (message as Record<string, unknown>).id
    if (isId(id)) return id
  }
  return null
}

export function success (id: RequestId, result: Record<string, unknown>): JsonRpcSuccess {
  return { jsonrpc: '2.0', id, result }
}

export function failure (id: RequestId | null, code: number, message: string, data?: unknown): JsonRpcFailure {
  return data === undefined
    ? { jsonrpc: '2.0', id, error: { code, message } }
    : { jsonrpc: '2.0', id, error: { code, message, data } }
}

export function failureFrom (id: RequestId | null, error: ProtocolError): JsonRpcFailure {
  return failure(id, error.code, error.message, error.data)
}
