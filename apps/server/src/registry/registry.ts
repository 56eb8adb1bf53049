/**
 * What plugins registered: tools, resources, resource templates and prompts,
 * each with its validators compiled once and its list entry precomputed.
 * The protocol core reads from here; plugins write through `scoped()`.
 */
import { Type, type TObject } from '@sinclair/typebox'
import type { FastifyBaseLogger } from 'fastify'
import type {
  Completer, McpRegistry, PromptDefinition, RegistrationHandle, ResourceDefinition,
  ResourceTemplateDefinition, SchemaInput, ToolDefinition
} from './types.ts'
import { requiredScopes } from './access.ts'
import { callTool } from './direct-call.ts'
import { describesObject, toolSchema } from './schemas.ts'
import { compileSchema, type Validator } from './validator.ts'
import { compileTemplate, type CompiledTemplate } from './uri-template.ts'
import {
  MCP_ERR_DUPLICATE_PROMPT, MCP_ERR_DUPLICATE_RESOURCE, MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE, MCP_ERR_DUPLICATE_TOOL,
  MCP_ERR_INVALID_COMPLETER, MCP_ERR_INVALID_HEADER_PARAM, MCP_ERR_INVALID_PROMPT_NAME, MCP_ERR_INVALID_RESOURCE_URI,
  MCP_ERR_INVALID_SCHEMA, MCP_ERR_INVALID_TOOL_NAME, MCP_ERR_MISSING_HANDLER, MCP_ERR_REGISTRATION_REMOVED
} from '../errors.ts'

export type ListKind = 'tools' | 'resources' | 'prompts'

export interface RegisteredTool {
  readonly name: string
  readonly owner: string
  /** Scopes a caller needs (all of them) to see and call it. */
  readonly scopes: readonly string[]
  /** The entry `tools/list` returns, computed once. */
  readonly listing: Record<string, unknown>
  readonly validateInput: Validator
  readonly validateOutput: Validator | undefined
  readonly timeoutMs: number | undefined
  /** Calls of this tool that run at once; more wait (bounded by limits.toolQueueMax). Undefined: no cap. */
  readonly concurrency: number | undefined
  /** Truncate text past the result budget rather than fail the call. */
  readonly truncateOversized: boolean
  readonly taskSupport: 'forbidden' | 'optional' | 'required'
  /** Arguments mirrored into `Mcp-Param-*` headers (`x-mcp-header`), checked by the HTTP transport. */
  readonly headerParams: ReadonlyArray<{ path: string[], header: string }>
  readonly handler: ToolDefinition<SchemaInput, SchemaInput | undefined>['handler']
}

export interface RegisteredResource {
  readonly uri: string
  readonly owner: string
  readonly scopes: readonly string[]
  readonly listing: Record<string, unknown>
  readonly definition: ResourceDefinition
}

export interface RegisteredTemplate {
  readonly uriTemplate: string
  readonly owner: string
  readonly scopes: readonly string[]
  readonly listing: Record<string, unknown>
  readonly compiled: CompiledTemplate
  readonly definition: ResourceTemplateDefinition
}

export interface RegisteredPrompt {
  readonly name: string
  readonly owner: string
  readonly scopes: readonly string[]
  readonly listing: Record<string, unknown>
  readonly validateArguments: Validator
  readonly complete: Record<string, Completer | undefined>
  readonly handler: PromptDefinition['handler']
}

export interface RegistryEvents {
  listChanged (kind: ListKind): void
  resourceUpdated (uri: string): void
}

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const NO_ARGUMENTS = Type.Object({}, { additionalProperties: false })

/** Drops undefined fields so list entries serialize without noise. */
function compact (entry: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(entry)) {
    if (entry[key] === undefined) delete entry[key]
  }
  return entry
}

function byKey<T> (key: (item: T) => string) {
  return (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
}

export class Registry {
  readonly tools = new Map<string, RegisteredTool>()
  readonly resources = new Map<string, RegisteredResource>()
  readonly templates = new Map<string, RegisteredTemplate>()
  readonly prompts = new Map<string, RegisteredPrompt>()
  /** What `GET /ready` checks besides the platform's own state, by `<plugin>:<name>`. */
  readonly readinessChecks = new Map<string, () => Promise<unknown>>()

  /** Sorted snapshots for the list methods, rebuilt lazily after a change. */
  #sorted: { tools?: RegisteredTool[], resources?: RegisteredResource[], templates?: RegisteredTemplate[], prompts?: RegisteredPrompt[] } = {}
  #listeners: RegistryEvents[] = []
  /** Disabled registrations, by map: hidden from lists and calls, their names still taken. */
  readonly #disabled = new WeakMap<Map<string, unknown>, Map<string, { owner: string }>>()

  /** The object a plugin sees as `app.mcp`: registrations are attributed to `owner`; `log` is the one `app.mcp.call` hands to handlers. */
  scoped (owner: string, log?: FastifyBaseLogger, defaults: ToolDefaults = {}): McpRegistry {
    return {
      tool: (definition) => this.addTool(owner, definition as unknown as ToolDefinition<SchemaInput, SchemaInput | undefined>, defaults) as never,
      resource: (definition) => this.addResource(owner, definition),
      resourceTemplate: (definition) => this.addTemplate(owner, definition as ResourceTemplateDefinition) as never,
      prompt: (definition) => this.addPrompt(owner, definition as unknown as PromptDefinition) as never,
      call: async (name, args, options) => await callTool(this.tools, name, args, options, log),
      notifyResourceUpdated: (uri) => this.notifyResourceUpdated(uri),
      readinessCheck: (name, check) => { this.readinessChecks.set(`${owner}:${name}`, check) }
    }
  }

  subscribe (listener: RegistryEvents): () => void {
    this.#listeners.push(listener)
    return () => { this.#listeners = this.#listeners.filter((l) => l !== listener) }
  }

  notifyResourceUpdated (uri: string): void {
    for (const listener of this.#listeners) listener.resourceUpdated(uri)
  }

  sortedTools (): RegisteredTool[] {
    return (this.#sorted.tools ??= [...this.tools.values()].sort(byKey((t) => t.name)))
  }

  sortedResources (): RegisteredResource[] {
    return (this.#sorted.resources ??= [...this.resources.values()].sort(byKey((r) => r.uri)))
  }

  sortedTemplates (): RegisteredTemplate[] {
    return (this.#sorted.templates ??= [...this.templates.values()].sort(byKey((t) => t.uriTemplate)))
  }

  sortedPrompts (): RegisteredPrompt[] {
    return (this.#sorted.prompts ??= [...this.prompts.values()].sort(byKey((p) => p.name)))
  }

  /** The template a URI belongs to, with its variables; exact resources are looked up first by the caller. */
  matchTemplate (uri: string): { template: RegisteredTemplate, variables: Record<string, string> } | undefined {
    for (const template of this.sortedTemplates()) {
      const variables = template.compiled.match(uri)
      if (variables !== undefined) return { template, variables }
    }
    return undefined
  }

  /** Lists changed inside `batch()`, announced once each when it ends. */
  #batched: Set<ListKind> | undefined

  /**
   * Runs `change` (synchronous) with list-change notifications held back, then
   * sends one per list that changed: swapping many registrations (a plugin
   * reloaded in dev mode) makes one list_changed, not one per item.
   */
  batch (change: () => void): void {
    if (this.#batched !== undefined) return change()
    const batched = new Set<ListKind>()
    this.#batched = batched
    try {
      change()
    } finally {
      this.#batched = undefined
      for (const kind of batched) this.#changed(kind)
    }
  }

  #changed (kind: ListKind): void {
    if (this.#batched !== undefined) {
      this.#batched.add(kind)
      return
    }
    if (kind === 'resources') {
      this.#sorted.resources = undefined
      this.#sorted.templates = undefined
    } else {
      this.#sorted[kind] = undefined
    }
    for (const listener of this.#listeners) listener.listChanged(kind)
  }

  /** The disabled entries of a map (created on first use). */
  disabledIn<T extends { owner: string }> (map: Map<string, T>): Map<string, T> {
    let hidden = this.#disabled.get(map as Map<string, unknown>)
    if (hidden === undefined) {
      hidden = new Map()
      this.#disabled.set(map as Map<string, unknown>, hidden)
    }
    return hidden as Map<string, T>
  }

  /**
   * Puts a built entry in its map and returns its handle. `build` checks a
   * definition and makes its entry; `update` runs it on the merged definition
   * first, so a bad change throws and leaves the entry as it was.
   */
  #registration<D extends object, T extends { owner: string }> (
    map: Map<string, T>, key: string, kind: ListKind, what: string, definition: D, build: (definition: D) => T
  ): RegistrationHandle<Partial<D>> {
    const hidden = this.disabledIn(map)
    let current = definition
    let entry = build(definition)
    let state: 'enabled' | 'disabled' | 'removed' = 'enabled'
    map.set(key, entry)
    this.#changed(kind)
    const usable = () => { if (state === 'removed') throw new MCP_ERR_REGISTRATION_REMOVED(what) }
    return {
      get enabled () { return state === 'enabled' },
      update: (changes) => {
        usable()
        const next = { ...current, ...changes }
        const built = build(next)
        current = next
        entry = built
        if (state === 'enabled') {
          map.set(key, built)
          this.#changed(kind)
        } else {
          hidden.set(key, built)
        }
      },
      enable: () => {
        usable()
        if (state === 'enabled') return
        hidden.delete(key)
        map.set(key, entry)
        state = 'enabled'
        this.#changed(kind)
      },
      disable: () => {
        usable()
        if (state === 'disabled') return
        map.delete(key)
        hidden.set(key, entry)
        state = 'disabled'
        this.#changed(kind)
      },
      remove: () => {
        if (state === 'removed') return
        const wasEnabled = state === 'enabled'
        state = 'removed'
        if (wasEnabled && map.get(key) === entry) {
          map.delete(key)
          this.#changed(kind)
        } else if (!wasEnabled && hidden.get(key) === entry) {
          hidden.delete(key)
        }
      }
    }
  }

  #assertFree<T extends { owner: string }> (map: Map<string, T>, key: string, Duplicate: new (key: string, first: string, second: string) => Error, owner: string): void {
    const existing = map.get(key) ?? this.disabledIn(map).get(key)
    if (existing !== undefined) throw new Duplicate(key, existing.owner, owner)
  }

  addTool (owner: string, definition: ToolDefinition<SchemaInput, SchemaInput | undefined>, defaults: ToolDefaults = {}): RegistrationHandle<Partial<ToolDefinition<SchemaInput, SchemaInput | undefined>>> {
    const { name } = definition
    if (typeof name !== 'string' || !TOOL_NAME.test(name)) throw new MCP_ERR_INVALID_TOOL_NAME(JSON.stringify(name), owner)
    this.#assertFree(this.tools, name, MCP_ERR_DUPLICATE_TOOL, owner)
    return this.#registration(this.tools, name, 'tools', `Tool "${name}" (plugin "${owner}")`, definition, (d) => buildTool(owner, name, d, defaults))
  }

  addResource (owner: string, definition: ResourceDefinition): RegistrationHandle<Partial<ResourceDefinition>> {
    if (typeof definition.uri !== 'string' || !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(definition.uri)) {
      throw new MCP_ERR_INVALID_RESOURCE_URI(JSON.stringify(definition.uri), owner)
    }
    const uri = definition.uri
    this.#assertFree(this.resources, uri, MCP_ERR_DUPLICATE_RESOURCE, owner)
    return this.#registration(this.resources, uri, 'resources', `Resource "${uri}" (plugin "${owner}")`, definition, (d) => buildResource(owner, uri, d))
  }

  addTemplate (owner: string, definition: ResourceTemplateDefinition): RegistrationHandle<Partial<ResourceTemplateDefinition>> {
    const uriTemplate = definition.uriTemplate
    this.#assertFree(this.templates, uriTemplate, MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE, owner)
    return this.#registration(this.templates, uriTemplate, 'resources', `Resource template "${uriTemplate}" (plugin "${owner}")`, definition,
      (d) => buildTemplate(owner, uriTemplate, d))
  }

  addPrompt (owner: string, definition: PromptDefinition): RegistrationHandle<Partial<PromptDefinition>> {
    const name = definition.name
    if (typeof name !== 'string' || name === '') throw new MCP_ERR_INVALID_PROMPT_NAME(owner)
    this.#assertFree(this.prompts, name, MCP_ERR_DUPLICATE_PROMPT, owner)
    return this.#registration(this.prompts, name, 'prompts', `Prompt "${name}" (plugin "${owner}")`, definition, (d) => buildPrompt(owner, name, d))
  }
}

/** What a plugin entry sets for all its tools (`limits.concurrency`). */
export interface ToolDefaults { concurrency?: number }

function buildTool (owner: string, name: string, definition: ToolDefinition<SchemaInput, SchemaInput | undefined>, defaults: ToolDefaults): RegisteredTool {
  const what = `Tool "${name}" (plugin "${owner}")`
  if (typeof definition.handler !== 'function') throw new MCP_ERR_MISSING_HANDLER(`Tool "${name}"`, owner, 'handler')
  const input = toolSchema(definition.input ?? NO_ARGUMENTS, 'input', `${what} input schema`)
  if (!describesObject(input.json)) {
    throw new MCP_ERR_INVALID_SCHEMA(`${what} input schema`, 'a tool\'s input schema must describe an object ("type": "object"), e.g. Type.Object({ ... })')
  }
  const output = definition.output === undefined ? undefined : toolSchema(definition.output, 'output', `${what} output schema`)
  const taskSupport = definition.taskSupport ?? 'forbidden'
  if (taskSupport !== 'forbidden' && taskSupport !== 'optional' && taskSupport !== 'required') {
    throw new MCP_ERR_INVALID_SCHEMA(`${what} taskSupport`, 'taskSupport must be "forbidden", "optional" or "required"')
  }
  const concurrency = definition.concurrency ?? defaults.concurrency
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new MCP_ERR_INVALID_SCHEMA(`${what} concurrency`, `concurrency must be an integer of at least 1 (calls of the tool at once), got ${JSON.stringify(concurrency)}`)
  }
  return {
    name,
    owner,
    concurrency,
    taskSupport,
    scopes: requiredScopes(definition.scopes, `Tool "${name}"`, owner),
    listing: compact({
      name,
      title: definition.title,
      description: definition.description,
      inputSchema: input.json,
      outputSchema: output?.json,
      annotations: definition.annotations,
      execution: taskSupport === 'forbidden' ? undefined : { taskSupport },
      icons: definition.icons,
      _meta: definition._meta
    }),
    validateInput: input.validate,
    validateOutput: output?.validate,
    timeoutMs: definition.timeoutMs,
    truncateOversized: definition.oversizedResult === 'truncate',
    headerParams: headerParams(input.json, what),
    handler: definition.handler
  }
}

function buildResource (owner: string, uri: string, definition: ResourceDefinition): RegisteredResource {
  if (typeof definition.read !== 'function') throw new MCP_ERR_MISSING_HANDLER(`Resource "${uri}"`, owner, 'read')
  return {
    uri,
    owner,
    scopes: requiredScopes(definition.scopes, `Resource "${uri}"`, owner),
    definition,
    listing: compact({
      uri,
      name: definition.name,
      title: definition.title,
      description: definition.description,
      mimeType: definition.mimeType,
      size: definition.size,
      annotations: definition.annotations,
      icons: definition.icons,
      _meta: definition._meta
    })
  }
}

function buildTemplate (owner: string, uriTemplate: string, definition: ResourceTemplateDefinition): RegisteredTemplate {
  const what = `Resource template "${uriTemplate}"`
  if (typeof definition.read !== 'function') throw new MCP_ERR_MISSING_HANDLER(what, owner, 'read')
  const compiled = compileTemplate(uriTemplate)
  for (const variable of Object.keys(definition.complete ?? {})) {
    if (!compiled.variables.includes(variable)) {
      throw new MCP_ERR_INVALID_COMPLETER(what, owner, variable, `variables (${compiled.variables.join(', ') || 'it has none'})`)
    }
  }
  return {
    uriTemplate,
    owner,
    scopes: requiredScopes(definition.scopes, what, owner),
    compiled,
    definition,
    listing: compact({
      uriTemplate,
      name: definition.name,
      title: definition.title,
      description: definition.description,
      mimeType: definition.mimeType,
      annotations: definition.annotations,
      icons: definition.icons,
      _meta: definition._meta
    })
  }
}

function buildPrompt (owner: string, name: string, definition: PromptDefinition): RegisteredPrompt {
  const what = `Prompt "${name}"`
  if (typeof definition.handler !== 'function') throw new MCP_ERR_MISSING_HANDLER(what, owner, 'handler')
  const schema: TObject = definition.arguments ?? Type.Object({})
  const required = new Set(schema.required ?? [])
  const args = Object.entries(schema.properties ?? {}).map(([argument, property]) => compact({
    name: argument,
    title: (property as { title?: string }).title,
    description: (property as { description?: string }).description,
    required: required.has(argument)
  }))
  const complete = (definition.complete ?? {}) as Record<string, Completer | undefined>
  for (const argument of Object.keys(complete)) {
    if (!(argument in (schema.properties ?? {}))) {
      throw new MCP_ERR_INVALID_COMPLETER(what, owner, argument, `arguments (${Object.keys(schema.properties ?? {}).join(', ') || 'it has none'})`)
    }
  }
  return {
    name,
    owner,
    scopes: requiredScopes(definition.scopes, what, owner),
    validateArguments: compileSchema(schema, `${what} (plugin "${owner}") arguments schema`),
    complete,
    handler: definition.handler,
    listing: compact({
      name,
      title: definition.title,
      description: definition.description,
      arguments: args.length > 0 ? args : undefined,
      icons: definition.icons,
      _meta: definition._meta
    })
  }
}

/**
 * Finds `x-mcp-header` annotations and checks the spec's constraints: only on
 * primitive (string, integer, boolean) properties reachable through
 * `properties` alone, with unique, token-shaped names.
 */
function headerParams (schema: Record<string, unknown>, what: string): Array<{ path: string[], header: string }> {
  const found: Array<{ path: string[], header: string }> = []
  const reachable = new Set<object>()
  const seen = new Set<string>()
  const walk = (node: Record<string, unknown>, path: string[]) => {
    const properties = node.properties as Record<string, Record<string, unknown>> | undefined
    if (properties === undefined) return
    for (const [key, property] of Object.entries(properties)) {
      if (property === null || typeof property !== 'object') continue
      const header = property['x-mcp-header']
      if (header !== undefined) {
        const type = property.type
        if (typeof header !== 'string' || !HEADER_TOKEN.test(header)) {
          throw new MCP_ERR_INVALID_HEADER_PARAM(what, `x-mcp-header ${JSON.stringify(header)} on "${[...path, key].join('.')}" is not a valid header name token`)
        }
        if (type !== 'string' && type !== 'integer' && type !== 'boolean') {
          throw new MCP_ERR_INVALID_HEADER_PARAM(what, `x-mcp-header on "${[...path, key].join('.')}" needs a string, integer or boolean property`)
        }
        if (seen.has(header.toLowerCase())) throw new MCP_ERR_INVALID_HEADER_PARAM(what, `x-mcp-header "${header}" is used twice (header names are case-insensitive)`)
        seen.add(header.toLowerCase())
        found.push({ path: [...path, key], header })
        reachable.add(property)
      }
      // Reachable through `properties` alone, whether or not the object says "type": "object".
      walk(property, [...path, key])
    }
  }
  walk(schema, [])
  // An annotation anywhere else (items, anyOf, $defs, ...) makes the tool invalid: clients drop it from tools/list.
  for (const { node, path } of annotatedNodes(schema, [], false)) {
    if (!reachable.has(node)) {
      throw new MCP_ERR_INVALID_HEADER_PARAM(what, `x-mcp-header on "${path.join('.')}" is not statically reachable through "properties" alone ` +
        '(it may not be under items, additionalProperties, anyOf/oneOf/allOf/not, if/then/else or $defs/$ref)')
    }
  }
  return found
}

/** Schema keywords whose value maps names to subschemas (the names are not keywords). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'])
/** Keywords whose values are data, not schemas. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples'])

/** Every schema node carrying `x-mcp-header`, with its path (keywords and property names). */
function annotatedNodes (node: unknown, path: string[], isMap: boolean): Array<{ node: object, path: string[] }> {
  if (node === null || typeof node !== 'object') return []
  const out: Array<{ node: object, path: string[] }> = []
  const isSchema = !isMap && !Array.isArray(node)
  if (isSchema && 'x-mcp-header' in node) out.push({ node, path })
  for (const [key, value] of Object.entries(node)) {
    if (isSchema && DATA_KEYWORDS.has(key)) continue
    out.push(...annotatedNodes(value, [...path, key], isSchema && SCHEMA_MAPS.has(key)))
  }
  return out
}
