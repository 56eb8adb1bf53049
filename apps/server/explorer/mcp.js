// A 2026-07-28 MCP client over Streamable HTTP POST, small enough to read: every request is
// self-contained (version, client info and capabilities in `_meta`), an answer is JSON or an
// SSE stream (notifications, then the response), closing the stream cancels the request, and
// an `input_required` result is answered and retried with its `requestState` (multi round-trip).

export const PROTOCOL_VERSION = '2026-07-28'
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo'
}

const CLIENT_INFO = { name: 'mcp-platform-explorer', version: '0.1.0' }
// What the page can answer: form elicitation, a person typing the "model" reply, and an empty root list.
const CAPABILITIES = { elicitation: { form: {} }, sampling: {}, roots: {} }

/** An error the server answered (JSON-RPC error, or an HTTP refusal with its status). */
export class McpError extends Error {
  constructor (message, { code, status, data } = {}) {
    super(message)
    this.name = 'McpError'
    this.code = code
    this.status = status
    this.data = data
  }
}

/** A header value as the binding sends it: printable ASCII as is, anything else base64 in `=?base64?…?=`. */
function headerValue (value) {
  if (/^[\x20-\x7e]*$/.test(value)) return value
  const bytes = new TextEncoder().encode(value)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return `=?base64?${btoa(binary)}?=`
}

function nameOf (method, params) {
  if (method === 'resources/read') return params.uri
  if (method === 'tools/call' || method === 'prompts/get') return params.name
  return undefined
}

let nextId = 1

export class McpClient {
  /** `endpoint`: the MCP path; `token()`: the bearer token to send, or '' for none. */
  constructor (endpoint, token) {
    this.endpoint = endpoint
    this.token = token
  }

  /**
   * One request, with the multi round-trip loop: `onInput(inputRequests)` returns the
   * `inputResponses` for an `input_required` result (or throws to give up), and the request is
   * sent again with them and the `requestState`. `onMessage` sees each notification.
   */
  async request (method, params = {}, { signal, onMessage, onInput, logLevel, progressToken } = {}) {
    let retry = {}
    for (let round = 1; ; round++) {
      const result = await this.#send(method, { ...params, ...retry }, { signal, onMessage, logLevel, progressToken })
      if (result?.resultType !== 'input_required') return result
      if (onInput === undefined) throw new McpError('The server asked for input this page cannot give here')
      if (round > 20) throw new McpError('Gave up after 20 rounds of input requests')
      const inputResponses = await onInput(result.inputRequests ?? {}, round)
      retry = { inputResponses, requestState: result.requestState }
    }
  }

  async #send (method, params, { signal, onMessage, logLevel, progressToken }) {
    const id = nextId++
    const extra = {}
    if (logLevel !== undefined) extra[META.logLevel] = logLevel
    if (progressToken !== undefined) extra.progressToken = progressToken
    const body = {
      jsonrpc: '2.0',
      id,
      method,
      params: {
        ...params,
        _meta: {
          ...params._meta,
          [META.protocolVersion]: PROTOCOL_VERSION,
          [META.clientInfo]: CLIENT_INFO,
          [META.clientCapabilities]: CAPABILITIES,
          ...extra
        }
      }
    }
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PROTOCOL_VERSION,
      'mcp-method': method
    }
    const name = nameOf(method, params)
    if (typeof name === 'string') headers['mcp-name'] = headerValue(name)
    const token = this.token()
    if (token !== '') headers.authorization = `Bearer ${token}`
    const response = await fetch(this.endpoint, { method: 'POST', headers, body: JSON.stringify(body), signal })
    const type = response.headers.get('content-type') ?? ''
    let message
    if (type.startsWith('text/event-stream')) {
      message = await readStream(response, id, onMessage)
    } else {
      const text = await response.text()
      try {
        message = text === '' ? undefined : JSON.parse(text)
      } catch {
        message = undefined
      }
      if (!response.ok && message?.error === undefined) {
        throw new McpError(`HTTP ${response.status}: ${text.slice(0, 300) || response.statusText}`, { status: response.status })
      }
    }
    if (message === undefined) throw new McpError(`No answer to ${method} (HTTP ${response.status})`, { status: response.status })
    if (message.error !== undefined) {
      throw new McpError(message.error.message, { code: message.error.code, status: response.status, data: message.error.data })
    }
    return message.result
  }
}

/** Reads SSE events until the response to `id` arrives; notifications go to `onMessage`. */
async function readStream (response, id, onMessage) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return undefined
      buffer += value
      let end
      while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const event = buffer.slice(0, end)
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
        const data = event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, '')).join('\n')
        if (data.trim() === '') continue
        const message = JSON.parse(data)
        if (message.id === id && ('result' in message || 'error' in message)) return message
        if (message.method !== undefined) onMessage?.(message)
      }
    }
  } finally {
    reader.cancel().catch(() => {})
  }
}
