/**
 * The types a plugin author sees. Nothing here mentions transports, protocol
 * eras, sessions or JSON-RPC: a plugin registers tools, resources and prompts,
 * and its handlers receive validated arguments plus a `ctx`.
 */
import type { Static, TObject, TSchema } from '@sinclair/typebox'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { FastifyBaseLogger } from 'fastify'

export type LoggingLevel =
  | 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency'

/** Who is calling, when the server authenticates requests. */
export interface Principal {
  /** Stable identifier of the caller (for a JWT, its `sub`). */
  id: string
  /** What the caller was granted (sorted, unique); tools, resources and prompts may require some. */
  scopes?: string[]
  /** A JWT's claims. */
  claims?: Record<string, unknown>
  /** When the credential stops being valid (epoch ms): a WebSocket is closed then. */
  expiresAt?: number
  /** How the caller authenticated. */
  via?: 'jwt' | 'apikey'
}

export interface Icon {
  src: string
  mimeType?: string
  sizes?: string[]
  theme?: 'light' | 'dark'
}

export interface Annotations {
  audience?: Array<'user' | 'assistant'>
  priority?: number
  lastModified?: string
}

export interface TextContent { type: 'text', text: string, annotations?: Annotations, _meta?: Record<string, unknown> }
export interface ImageContent { type: 'image', data: string, mimeType: string, annotations?: Annotations, _meta?: Record<string, unknown> }
export interface AudioContent { type: 'audio', data: string, mimeType: string, annotations?: Annotations, _meta?: Record<string, unknown> }
export interface ResourceLink {
  type: 'resource_link'
  uri: string
  name: string
  title?: string
  description?: string
  mimeType?: string
  annotations?: Annotations
}
export interface EmbeddedResource { type: 'resource', resource: ResourceContents, annotations?: Annotations }
export type ContentBlock = TextContent | ImageContent | AudioContent | ResourceLink | EmbeddedResource

export type ResourceContents =
  | { uri: string, mimeType?: string, text: string, _meta?: Record<string, unknown> }
  | { uri: string, mimeType?: string, blob: string, _meta?: Record<string, unknown> }

export interface ToolAnnotations {
  title?: string
  readOnlyHint?: boolean
  destructiveHint?: boolean
  idempotentHint?: boolean
  openWorldHint?: boolean
}

/** A form-mode elicitation: ask the user for a few primitive fields. */
export interface ElicitRequest {
  /**
   * The key of this input request in a 2026-07-28 InputRequiredResult (and in
   * the client's `inputResponses`). Default: `elicitation-<n>`, n counting the
   * handler's input requests. Give one when a client expects a known key.
   */
  key?: string
  message: string
  requestedSchema: {
    type: 'object'
    properties: Record<string, Record<string, unknown>>
    required?: string[]
  }
}

export interface ElicitResult {
  action: 'accept' | 'decline' | 'cancel'
  content?: Record<string, string | number | boolean | string[]>
}

export interface SamplingMessage {
  role: 'user' | 'assistant'
  content: TextContent | ImageContent | AudioContent
}

export interface SampleRequest {
  /** The input request's key on the 2026-07-28 era (see ElicitRequest.key). Default: `sampling-<n>`. */
  key?: string
  messages: SamplingMessage[]
  maxTokens: number
  systemPrompt?: string
  temperature?: number
  stopSequences?: string[]
  modelPreferences?: Record<string, unknown>
}

export interface Root {
  uri: string
  name?: string
}

export interface SampleResult {
  role: 'assistant'
  content: TextContent | ImageContent | AudioContent
  model: string
  stopReason?: string
}

/**
 * What every handler receives besides its arguments.
 *
 * `elicit` and `sample` work the same whichever protocol era the client
 * speaks. On the modern (2026-07-28) era the call is answered by a retry of
 * the whole request (multi round-trip requests): the handler runs again from
 * the start and this time `elicit` returns the client's answer at once. So
 * code before an `elicit` call may run more than once; do side effects after.
 */
export interface RequestContext {
  /** Fires when the client cancels, the connection closes, the tool times out or the server shuts down. */
  readonly signal: AbortSignal
  /** The authenticated caller, when the server authenticates requests. */
  readonly principal: Principal | undefined
  /**
   * Who the call counts against, for a plugin's own per-client quotas: `principal:<id>` when the
   * request is authenticated, else `address:<remote address>`. The same key the host's session and
   * stream quotas use, on every transport and era.
   */
  readonly client: string
  /** A pino child logger carrying the request's id and the plugin's name. */
  readonly logger: FastifyBaseLogger
  /** Report progress; delivered only when the client asked for it (a progress token). */
  progress (progress: number, total?: number, message?: string): void
  /** Send a log message to the client, if it asked for that level. */
  log (level: LoggingLevel, data: unknown, logger?: string): void
  /** Ask the user for input (the client must support elicitation). */
  elicit (request: ElicitRequest): Promise<ElicitResult>
  /** Ask the client's model for a completion (the client must support sampling). */
  sample (request: SampleRequest): Promise<SampleResult>
  /** Ask the client for its roots (the client must support roots); `key` as for `elicit`. Default key: `roots-<n>`. */
  listRoots (options?: { key?: string }): Promise<{ roots: Root[] }>
  /**
   * For long-running tools: free the HTTP connection now and let the client
   * pick the result up later (2025-11-25 SSE polling). Returns false where it
   * does not apply (other eras and transports); the call goes on either way.
   */
  pollLater (retryMs?: number): boolean
}

/** A tool's handler returns a string, content blocks, or a result object. */
export type ToolResult<S = unknown> =
  | string
  | {
    /** Shorthand for one text block. */
    text?: string
    content?: ContentBlock[]
    structuredContent?: S
    isError?: boolean
    _meta?: Record<string, unknown>
  }

declare const kArguments: unique symbol

/**
 * A hand-written JSON Schema (2020-12 by default, draft-07 when `$schema`
 * says so). Its arguments are typed `Record<string, unknown>`; wrap it in
 * `jsonSchema<T>(...)` to give them a type.
 */
export interface JsonSchema<T = unknown> {
  type?: string | string[]
  properties?: Record<string, unknown>
  required?: readonly string[]
  $schema?: string
  [keyword: string]: unknown
  /** Type-only: the arguments' type given with `jsonSchema<T>()`; never present at run time. */
  readonly [kArguments]?: T
}

/**
 * What `input` and `output` accept: a TypeBox schema (the default in the
 * examples), a plain JSON Schema, or any Standard Schema (zod 4, valibot
 * through `toStandardJsonSchema`, arktype, ...) that also implements Standard
 * JSON Schema, so that it can be listed.
 */
export type SchemaInput = TSchema | StandardSchemaV1 | JsonSchema

/** The value a schema describes once validated: what a handler receives as its arguments. */
export type Infer<S> = S extends TSchema
  ? Static<S>
  : S extends StandardSchemaV1
    ? StandardSchemaV1.InferOutput<S>
    : S extends { readonly [kArguments]?: infer T }
      ? unknown extends T ? Record<string, unknown> : T
      : Record<string, unknown>

/** The value a handler must produce for a schema (for Standard Schemas, its input type: the schema then validates and transforms it). */
export type InferProduced<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : Infer<S>

/** With an output schema, `structuredContent` is required and typed (a type that may be undefined counts as no schema). */
export type ToolResultFor<O> = [undefined] extends [O]
  ? ToolResult
  : { text?: string, content?: ContentBlock[], structuredContent: InferProduced<O>, isError?: false, _meta?: Record<string, unknown> }
  | { text?: string, content?: ContentBlock[], isError: true }

export interface ToolDefinition<I extends SchemaInput = TObject, O extends SchemaInput | undefined = undefined> {
  /** 1-128 characters: letters, digits, `_`, `-`, `.` */
  name: string
  title?: string
  description: string
  /**
   * The arguments' schema, an object: TypeBox (`Type.Object({...})`), plain
   * JSON Schema, or a Standard Schema (validated by its own library). Omitted: no arguments.
   */
  input?: I
  /** The schema of `structuredContent` (same kinds as `input`); it is validated and listed as `outputSchema`. */
  output?: O
  annotations?: ToolAnnotations
  icons?: Icon[]
  /** Overrides the server's tool timeout for this tool. */
  timeoutMs?: number
  /**
   * Calls of this tool that run at once (default: the plugin entry's
   * `limits.concurrency`, else no cap). More wait their turn, up to
   * `limits.toolQueueMax` of them; past that a call gets a tool error saying
   * the tool is busy. A call waits at most its time limit (then: a tool error).
   */
  concurrency?: number
  /**
   * A result over the server's byte budget (`limits.maxResultBytes`) fails
   * the call with a tool error saying its size; with `truncate`, its text
   * content is cut to fit instead and the result says so in
   * `_meta["io.mcp-platform/truncated"]` (structured content cannot be cut).
   */
  oversizedResult?: 'error' | 'truncate'
  /**
   * Whether a call may run as a task (the 2026-07-28 tasks extension), for
   * clients that declared it: `forbidden` (default) never; `optional` when
   * it is still running after `limits.taskAfterMs`; `required` always (a
   * 2026-07-28 client without the extension gets -32021). The handler stays
   * the same: in a task `ctx.elicit` waits for `tasks/update`, `ctx.progress`
   * becomes the task's statusMessage, `ctx.signal` aborts on `tasks/cancel`.
   */
  taskSupport?: 'forbidden' | 'optional' | 'required'
  /** Scopes a caller's token must grant (all of them) to see this in lists and use it; none: open to every authenticated caller. */
  scopes?: string[]
  _meta?: Record<string, unknown>
  handler: (args: Infer<I>, ctx: RequestContext) => ToolResultFor<O> | Promise<ToolResultFor<O>>
}

export interface CacheHint {
  /** How long a client may consider the result fresh. */
  ttlMs: number
  /** `public` if the result is the same for every caller. */
  scope: 'public' | 'private'
}

/** A resource read returns text, or one or more contents (the `uri` defaults to the one read). */
export type ReadResult =
  | string
  | { text: string, mimeType?: string, uri?: string }
  | { blob: string, mimeType?: string, uri?: string }
  | Array<{ text: string, mimeType?: string, uri?: string } | { blob: string, mimeType?: string, uri?: string }>

export interface ResourceDefinition {
  uri: string
  name: string
  title?: string
  description?: string
  mimeType?: string
  size?: number
  annotations?: Annotations
  icons?: Icon[]
  cache?: CacheHint
  /** Scopes a caller's token must grant (all of them) to see this in lists and use it; none: open to every authenticated caller. */
  scopes?: string[]
  _meta?: Record<string, unknown>
  read: (uri: string, ctx: RequestContext) => ReadResult | Promise<ReadResult>
}

/** Suggests values for one argument of a prompt or resource template. */
export type Completer = (
  value: string,
  context: { arguments: Record<string, string> }
) => string[] | Promise<string[]>

/** The variable names of an RFC 6570 URI template, as a union of string literals. */
export type TemplateVariables<T extends string> =
  T extends `${string}{${infer Expr}}${infer Rest}` ? ExpressionNames<Expr> | TemplateVariables<Rest> : never
type ExpressionNames<E extends string> =
  E extends `${'+' | '#' | '.' | '/' | ';' | '?' | '&'}${infer Names}` ? SplitNames<Names> : SplitNames<E>
type SplitNames<N extends string> =
  N extends `${infer Head},${infer Tail}` ? StripModifier<Head> | SplitNames<Tail> : StripModifier<N>
type StripModifier<N extends string> =
  N extends `${infer Name}*` ? Name : N extends `${infer Name}:${string}` ? Name : N

export interface ResourceTemplateDefinition<T extends string = string> {
  /** An RFC 6570 URI template, e.g. `db://tables/{table}`. */
  uriTemplate: T
  name: string
  title?: string
  description?: string
  mimeType?: string
  annotations?: Annotations
  icons?: Icon[]
  cache?: CacheHint
  /** Scopes a caller's token must grant (all of them) to see this in lists and read through it. */
  scopes?: string[]
  _meta?: Record<string, unknown>
  /** Completion for the template's variables. */
  complete?: { [K in TemplateVariables<T>]?: Completer }
  read: (uri: string, variables: Record<TemplateVariables<T>, string>, ctx: RequestContext) => ReadResult | Promise<ReadResult>
}

export type PromptMessage =
  | { role: 'user' | 'assistant', content: ContentBlock }

export type PromptResult = string | PromptMessage[] | { description?: string, messages: PromptMessage[] }

export interface PromptDefinition<A extends TObject = TObject> {
  name: string
  title?: string
  description?: string
  icons?: Icon[]
  /** The prompt's arguments: an object schema of strings; descriptions and `required` are listed. */
  arguments?: A
  complete?: { [K in keyof Static<A>]?: Completer }
  /** Scopes a caller's token must grant (all of them) to see this in lists and use it; none: open to every authenticated caller. */
  scopes?: string[]
  _meta?: Record<string, unknown>
  handler: (args: Static<A>, ctx: RequestContext) => PromptResult | Promise<PromptResult>
}

/** Returned by every registration: removing it notifies listening clients. */
export interface Registration {
  remove (): void
}

/**
 * What `app.mcp.tool()` (and `resource`, `resourceTemplate`, `prompt`)
 * return. Every change tells connected clients (`notifications/*\/list_changed`).
 * A disabled item is hidden from lists and refused as unknown; its name stays
 * taken. After `remove()` the name is free and the handle is spent.
 */
export interface RegistrationHandle<D> extends Registration {
  /** Changes some fields (not the name or URI); the new definition is checked as at registration. */
  update (changes: D): void
  enable (): void
  disable (): void
  readonly enabled: boolean
}

export type ToolHandle<I extends SchemaInput = TObject, O extends SchemaInput | undefined = undefined> =
  RegistrationHandle<Partial<Omit<ToolDefinition<I, O>, 'name'>>>
export type ResourceHandle = RegistrationHandle<Partial<Omit<ResourceDefinition, 'uri'>>>
export type ResourceTemplateHandle<T extends string = string> = RegistrationHandle<Partial<Omit<ResourceTemplateDefinition<T>, 'uriTemplate'>>>
export type PromptHandle<A extends TObject = TObject> = RegistrationHandle<Partial<Omit<PromptDefinition<A>, 'name'>>>

/** A tool's result as `app.mcp.call()` returns it: what `tools/call` would answer. */
export interface CallToolResult {
  content: ContentBlock[]
  structuredContent?: unknown
  isError?: boolean
  _meta?: Record<string, unknown>
}

export interface CallOptions {
  /**
   * The calling handler's `ctx`, when one tool composes another: the called
   * tool gets its signal, caller, logger, progress and elicitation.
   */
  ctx?: RequestContext
  /** Without `ctx`: aborts the call (e.g. a test's own deadline). */
  signal?: AbortSignal
}

/** The `app.mcp` decorator: the only thing a plugin needs. */
export interface McpRegistry {
  tool<I extends SchemaInput = TObject, O extends SchemaInput | undefined = undefined>(definition: ToolDefinition<I, O>): ToolHandle<I, O>
  resource (definition: ResourceDefinition): ResourceHandle
  resourceTemplate<T extends string>(definition: ResourceTemplateDefinition<T>): ResourceTemplateHandle<T>
  prompt<A extends TObject>(definition: PromptDefinition<A>): PromptHandle<A>
  /**
   * Calls a registered tool (any plugin's) as a client would: arguments
   * validated, handler run, result shaped and checked. Invalid arguments and
   * tool errors come back as `isError` results; an unknown or disabled tool
   * throws MCP_ERR_UNKNOWN_TOOL. Scopes are not checked: the caller is trusted code.
   */
  call (name: string, args?: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult>
  /** Tell subscribed clients that a resource's content changed. */
  notifyResourceUpdated (uri: string): void
  /**
   * A check `GET /ready` runs (e.g. "the database answers"): it resolves when
   * the plugin can serve, and throws (or times out) when it cannot, so the load
   * balancer sends traffic elsewhere until it recovers.
   */
  readinessCheck (name: string, check: () => Promise<unknown>): void
}
