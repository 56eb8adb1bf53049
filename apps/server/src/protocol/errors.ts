/**
 * Every error that goes on the wire, made by one factory each. A factory
 * fixes the JSON-RPC code, the message (what is wrong and what to do) and the
 * HTTP status an HTTP transport answers with; other transports ignore the
 * status. Host errors (configuration, registration, start-up) are not here:
 * they are coded Fastify errors in `../errors.ts`.
 *
 * The functions are grouped by who raises them: the JSON-RPC envelope, the
 * 2026-07-28 request envelope, method dispatch, method parameters, handler
 * outcomes, and the transport bindings (HTTP, WebSocket and stdio).
 */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Legacy (2025-11-25 and earlier) "resource not found"; modern uses InvalidParams. */
  LegacyResourceNotFound: -32002,
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022
} as const

/** An error that becomes a JSON-RPC error response. */
export class ProtocolError extends Error {
  readonly code: number
  readonly data: unknown
  /** The status of an HTTP response carrying this error (200: the error travels in a successful HTTP exchange). */
  readonly httpStatus: number
  /** For refusals that pass: when to try again (HTTP `Retry-After`; also in `data`). */
  readonly retryAfterMs: number | undefined

  constructor (code: number, message: string, httpStatus = 200, data?: unknown, retryAfterMs?: number) {
    super(message)
    this.code = code
    this.httpStatus = httpStatus
    this.data = data
    this.retryAfterMs = retryAfterMs
  }
}

const error = (code: number, message: string, httpStatus = 200, data?: unknown): ProtocolError =>
  new ProtocolError(code, message, httpStatus, data)

const retryable = (code: number, message: string, httpStatus: number, retryAfterMs: number, data: Record<string, unknown> = {}): ProtocolError =>
  new ProtocolError(code, message, httpStatus, { ...data, retryAfterMs }, retryAfterMs)

// The JSON-RPC envelope (HTTP 400: the message itself is malformed).

export const parseError = (detail: string) => error(ErrorCode.ParseError, `Parse error: ${detail}`, 400)
export const invalidMessage = (detail: string) => error(ErrorCode.InvalidRequest, `Invalid request: ${detail}`, 400)
/** Valid JSON with a key that could reach an object's prototype: refused as invalid params (not a parse error). */
export const forbiddenKey = (key: string) => error(ErrorCode.InvalidParams,
  `Invalid params: the message holds a "${key}" key, which this server accepts nowhere (params, arguments or _meta); rename or remove it`, 400)
export const batchNotSupported = () => error(ErrorCode.InvalidRequest, 'JSON-RPC batches are not supported: send one message per request', 400)

// The 2026-07-28 request envelope (`_meta`) and the legacy session (HTTP 400).

export const invalidEnvelope = (detail: string) => error(ErrorCode.InvalidParams, `Invalid params: ${detail}`, 400)
export const unsupportedProtocolVersion = (requested: string, supported: readonly string[], legacy: readonly string[]) =>
  error(ErrorCode.UnsupportedProtocolVersion,
    `Unsupported protocol version "${requested}": this server supports ${supported.join(', ')} (and ${legacy.join(', ')} via initialize)`,
    400, { supported: [...supported], requested })
export const noSession = (versionKey: string, capabilitiesKey: string) => error(ErrorCode.InvalidRequest,
  'Bad Request: no session. Send "initialize" first (protocol 2025-11-25 and earlier), ' +
  `or put "${versionKey}" and "${capabilitiesKey}" in the request's _meta (protocol 2026-07-28)`, 400)
export const headerMismatch = (detail: string) => error(ErrorCode.HeaderMismatch, `Header mismatch: ${detail}`, 400)
export const missingCapability = (capability: string) => error(ErrorCode.MissingRequiredClientCapability,
  `This request needs the client capability "${capability}", which the request's clientCapabilities do not declare`,
  400, { requiredCapabilities: { [capability]: {} } })

export const missingTasksExtension = (what: string) => error(ErrorCode.MissingRequiredClientCapability,
  `${what} needs the client to declare the tasks extension: put "extensions": { "io.modelcontextprotocol/tasks": {} } in the request's clientCapabilities`,
  400, { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } })

// Method dispatch.

/** Modern requests answer an unknown method with 404; legacy ones travel in a session's 200. */
export const methodNotFound = (method: string, era: 'modern' | 'legacy', where: string, hint: string) =>
  error(ErrorCode.MethodNotFound, `Method not found: "${method}" is not a method of ${where}${hint}`, era === 'modern' ? 404 : 200)
export const internalError = () => error(ErrorCode.InternalError, 'Internal error: the server failed to process the request; it has been logged', 500)

// Method parameters (a well-formed request the method cannot serve).

export const invalidParams = (detail: string) => error(ErrorCode.InvalidParams, `Invalid params: ${detail}`)
export const unknownTool = (name: string) => error(ErrorCode.InvalidParams, `Unknown tool: "${name}". Call tools/list to see the available tools`)
export const unknownPrompt = (name: string) => error(ErrorCode.InvalidParams, `Unknown prompt: "${name}". Call prompts/list to see the available prompts`)
export const unknownResourceTemplate = (uri: unknown) => error(ErrorCode.InvalidParams, `Unknown resource template: ${JSON.stringify(uri)}. Call resources/templates/list to see the templates`)
/** -32002 was "resource not found" until 2025-11-25; 2026-07-28 uses invalid params. */
export const resourceNotFound = (uri: string, era: 'modern' | 'legacy') =>
  error(era === 'modern' ? ErrorCode.InvalidParams : ErrorCode.LegacyResourceNotFound,
    `Resource not found: "${uri}". Call resources/list and resources/templates/list to see what can be read`, 200, { uri })
export const unknownTask = (taskId: unknown) => error(ErrorCode.InvalidParams,
  `Unknown task: ${JSON.stringify(taskId)}. It never existed, expired (finished tasks are kept for their ttlMs), or belongs to another caller`)
export const tooManyTasks = (perClient: boolean, limit: number) => error(ErrorCode.InternalError,
  perClient
    ? `This client already keeps ${limit} tasks, the most it may; wait for some to finish and expire (their ttlMs), or cancel some`
    : `The server keeps ${limit} tasks, the most it may; retry later`, 503, { limit })
export const invalidCursor = () => invalidParams('unknown "cursor"; use the nextCursor of a previous page, or omit it to start over')
export const invalidRequestState = (why: string) => error(ErrorCode.InvalidParams, `Invalid requestState: ${why}`)
export const alreadyInitialized = () => error(ErrorCode.InvalidRequest, 'This connection is already initialized; open a new connection for a new session')
export const sessionLimit = (retryAfterMs: number) => retryable(ErrorCode.InternalError,
  `The server holds as many sessions as it may, all in use; retry in ${Math.ceil(retryAfterMs / 1000)} s, close unused sessions (DELETE), or use 2026-07-28 requests, which need none`, 503, retryAfterMs)
export const clientSessionLimit = (limit: number, retryAfterMs: number) => retryable(ErrorCode.InternalError,
  `This client already holds ${limit} sessions, all with an open stream or socket; close one (DELETE, or close its stream) or retry in ${Math.ceil(retryAfterMs / 1000)} s`, 503, retryAfterMs, { limit })
export const tooManyStreams = (limit: number, perClient: boolean, retryAfterMs: number) => retryable(ErrorCode.InternalError,
  perClient
    ? `This client already holds ${limit} open streams or sockets, the most it may; close one, or retry in ${Math.ceil(retryAfterMs / 1000)} s`
    : `The server holds ${limit} open streams or sockets, the most it may; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
  503, retryAfterMs, { limit })
export const valueTooLarge = (what: string, bytes: number, limit: number) =>
  invalidParams(`${what} is ${Number.isFinite(bytes) ? `${bytes} bytes` : 'nested too deep to serialize'}; this server keeps at most ${limit} bytes (send less, or raise the limit)`)
export const tooManySubscriptions = (limit: number) =>
  invalidParams(`this session already subscribes to ${limit} resources, the most it may; unsubscribe from some first`)
export const listenNeedsStream = () => error(ErrorCode.InvalidRequest,
  'subscriptions/listen needs a stream: send Accept: text/event-stream (HTTP) or use the WebSocket transport')
export const stateUnavailable = () => retryable(ErrorCode.InternalError,
  'The server\'s shared state (Redis) is unreachable; retry in a few seconds', 503, 2000)
export const shuttingDown = (what: string) => error(ErrorCode.InternalError, `The server is shutting down; ${what}`, 503)

/**
 * A valid caller without a scope the target needs (HTTP 403; the transport
 * adds `WWW-Authenticate: Bearer error="insufficient_scope"` with `scopes`).
 */
export class InsufficientScope extends ProtocolError {
  readonly scopes: readonly string[]
  constructor (what: string, scopes: readonly string[]) {
    super(ErrorCode.InvalidRequest, `Forbidden: ${what} needs the scope${scopes.length > 1 ? 's' : ''} ${scopes.join(' ')}, which this caller's token does not grant; ` +
      'ask the authorization server for a token with it', 403, { error: 'insufficient_scope', requiredScopes: [...scopes] })
    this.scopes = scopes
  }
}

export const insufficientScope = (what: string, scopes: readonly string[]) => new InsufficientScope(what, scopes)

// Handler outcomes (prompts, resources, completions, and the client's answers to input requests).

export const handlerRefused = (what: string, message: string) => error(ErrorCode.InvalidParams, `${what} failed: ${message}`)
export const handlerFailed = (what: string, message: string) => error(ErrorCode.InternalError, `${what} failed: ${message}`)
export const handlerTimedOut = (what: string, after: string) => error(ErrorCode.InternalError, `${what} timed out after ${after}`)
export const handlerCancelled = (what: string, reason: string) => error(ErrorCode.InternalError, `${what} was cancelled (${reason})`)
export const invalidToolResult = (name: string, detail: string) => error(ErrorCode.InternalError, `Tool "${name}" ${detail}`)
export const invalidClientAnswer = (detail: string) => error(ErrorCode.InvalidParams, `The client's ${detail}`)
export const clientAnsweredWithError = (message: string) => error(ErrorCode.InternalError, `The client answered with an error: ${message}`)

// Streamable HTTP binding.

export const bodyTooLarge = (limit: number) => error(ErrorCode.InvalidRequest, `Request body too large: the limit is ${limit} bytes`, 413)
export const unsupportedMediaType = (contentType: string) => error(ErrorCode.InvalidRequest, `Unsupported Content-Type '${contentType}': send application/json`, 415)
export const notAcceptable = (needs: string) => error(ErrorCode.InvalidRequest, `Not Acceptable: the Accept header must list ${needs}`, 406)
export const sessionIdRequired = () => error(ErrorCode.InvalidRequest,
  'Bad Request: the Mcp-Session-Id header is required. Send "initialize" first (protocol 2025-11-25 and earlier), ' +
  'or send 2026-07-28 requests with the protocol version in _meta', 400)
export const sessionNotFound = () => error(ErrorCode.InvalidRequest, 'Session not found: it expired or was deleted. Send "initialize" to start a new session', 404)
export const versionHeaderWithoutEnvelope = (version: string, versionKey: string, capabilitiesKey: string) => error(ErrorCode.InvalidParams,
  `Invalid params: the MCP-Protocol-Version header names ${version}, but the request's _meta lacks "${versionKey}" and "${capabilitiesKey}"`, 400)
export const unsupportedVersionHeader = (version: string, legacy: readonly string[], modern: readonly string[]) => error(ErrorCode.InvalidRequest,
  `Bad Request: unsupported MCP-Protocol-Version '${version}' (supported: ${legacy.join(', ')} after initialize, or ${modern.join(', ')})`, 400)
export const methodNotAllowed = (detail: string) => error(ErrorCode.InvalidRequest, `Method Not Allowed: ${detail}`, 405)
export const streamConflict = () => error(ErrorCode.InvalidRequest, 'Conflict: this session already has an open GET stream', 409)
export const upgradeRequired = () => error(ErrorCode.InvalidRequest, 'Upgrade Required: this endpoint serves MCP over WebSocket only (ws://…, subprotocol "mcp")', 426)
export const httpClientError = (status: number, message: string) => error(ErrorCode.InvalidRequest, message, status)
export const forbidden = (detail: string) => error(ErrorCode.InvalidRequest, `Forbidden: ${detail}`, 403)
export const hostMalformed = () => error(ErrorCode.InvalidRequest, 'Bad Request: the Host header must hold one host name and an optional port', 400)
export const unauthorized = (detail: string) => error(ErrorCode.InvalidRequest, `Unauthorized: ${detail}`, 401)
export const tokenNotInHeader = () => error(ErrorCode.InvalidRequest,
  'Bad Request: access tokens are accepted only in the Authorization header (Authorization: Bearer <token>), never in the URL', 400)
export const rateLimited = (limit: number, retryAfterMs: number) => retryable(ErrorCode.InternalError,
  `Too many requests: this caller may send ${limit} per minute; retry in ${Math.ceil(retryAfterMs / 1000)} s`, 429, retryAfterMs, { limit })
export const tokenExpired = () => error(ErrorCode.InvalidRequest,
  'Unauthorized: the access token of this connection expired; open a new connection with a fresh token', 401)
export const transportFailed = () => error(ErrorCode.InternalError, 'Internal error; it has been logged', 500)

// WebSocket binding.

export const binaryFrame = () => invalidMessage('binary frames are not supported; send each JSON-RPC message as one UTF-8 text frame')
/** Far past the in-flight cap (the server stopped reading; this many bytes were already read and wait). */
export const requestFlood = (limit: number, backlogBytes: number) => error(ErrorCode.InvalidRequest,
  `Invalid request: too many requests at once on this connection: ${limit} are in flight and ${backlogBytes} bytes of requests already wait; wait for answers before sending more`,
  429, { limit, backlogBytes })
export const duplicateRequestId = (id: string | number) => invalidMessage(`id ${JSON.stringify(id)} is already used by a request in flight in this session or connection; use a new id for each request`)

// stdio binding.

/** A line longer than the message limit: it is skipped up to its newline. */
export const lineTooLong = (limit: number) => invalidMessage(`a message (one line) may have at most ${limit} bytes (MCP_WS_MAX_MESSAGE_BYTES); this one was skipped`)
