/**
 * What plugins registered: tools, resources, resource templates and prompts,
 * each with its validators compiled once and its list entry precomputed.
 * The protocol core reads from here; plugins write through `scoped()`.
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox'
import type {
  Completer, McpRegistry, PromptDefinition, Registration, ResourceDefinition,
  ResourceTemplateDefinition, ToolDefinition
} from './types.ts'
import { requiredScopes } from './access.ts'
import { compileSchema, type Validator } from './validator.ts'
import { compileTemplate, type CompiledTemplate } from './uri-template.ts'
import {
  MCP_ERR_DUPLICATE_PROMPT, MCP_ERR_DUPLICATE_RESOURCE, MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE, MCP_ERR_DUPLICATE_TOOL,
  MCP_ERR_INVALID_COMPLETER, MCP_ERR_INVALID_HEADER_PARAM, MCP_ERR_INVALID_PROMPT_NAME, MCP_ERR_INVALID_RESOURCE_URI,
  MCP_ERR_INVALID_SCHEMA, MCP_ERR_INVALID_TOOL_NAME, MCP_ERR_MISSING_HANDLER
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
  readonly handler: ToolDefinition<TSchema, TSchema | undefined>['handler']
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

  /** The object a plugin sees as `app.mcp`: registrations are attributed to `owner`. */
  scoped (owner: string, defaults: { concurrency?: number } = {}): McpRegistry {
    return {
      tool: (definition) => this.addTool(owner, definition as unknown as ToolDefinition<TSchema, TSchema | undefined>, defaults),
      resource: (definition) => this.addResource(owner, definition),
      resourceTemplate: (definition) => this.addTemplate(owner, definition as ResourceTemplateDefinition),
      prompt: (definition) => this.addPrompt(owner, definition as unknown as PromptDefinition),
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

  #changed (kind: ListKind): void {
    if (kind === 'resources') {
      this.#sorted.resources = undefined
      this.#sorted.templates = undefined
    } else {
      this.#sorted[kind] = undefined
    }
    for (const listener of this.#listeners) listener.listChanged(kind)
  }

  #registration<T> (map: Map<string, T>, key: string, entry: T, kind: ListKind): Registration {
    map.set(key, entry)
    this.#changed(kind)
    return {
      remove: () => {
        if (map.get(key) === entry) {
          map.delete(key)
          this.#changed(kind)
        }
      }
    }
  }

  #assertFree<T extends { owner: string }> (map: Map<string, T>, key: string, Duplicate: new (key: string, first: string, second: string) => Error, owner: string): void {
    const existing = map.get(key)
    if (existing !== undefined) throw new Duplicate(key, existing.owner, owner)
  }

  addTool (owner: string, definition: ToolDefinition<TSchema, TSchema | undefined>, defaults: { concurrency?: number } = {}): Registration {
    const { name } = definition
    const what = `Tool "${name}" (plugin "${owner}")`
    if (typeof name !== 'string' || !TOOL_NAME.test(name)) throw new MCP_ERR_INVALID_TOOL_NAME(JSON.stringify(name), owner)
    if (typeof definition.handler !== 'function') throw new MCP_ERR_MISSING_HANDLER(`Tool "${name}"`, owner, 'handler')
    this.#assertFree(this.tools, name, MCP_ERR_DUPLICATE_TOOL, owner)
    const input = (definition.input ?? NO_ARGUMENTS) as TSchema
    if ((input as { type?: unknown }).type !== 'object') {
      throw new MCP_ERR_INVALID_SCHEMA(`${what} input schema`, 'a tool\'s input schema must describe an object ("type": "object"), e.g. Type.Object({ ... })')
    }
    const taskSupport = definition.taskSupport ?? 'forbidden'
    if (taskSupport !== 'forbidden' && taskSupport !== 'optional' && taskSupport !== 'required') {
      throw new MCP_ERR_INVALID_SCHEMA(`${what} taskSupport`, 'taskSupport must be "forbidden", "optional" or "required"')
    }
    const concurrency = definition.concurrency ?? defaults.concurrency
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
      throw new MCP_ERR_INVALID_SCHEMA(`${what} concurrency`, `concurrency must be an integer of at least 1 (calls of the tool at once), got ${JSON.stringify(concurrency)}`)
    }
    const tool: RegisteredTool = {
      name,
      owner,
      concurrency,
      taskSupport,
      scopes: requiredScopes(definition.scopes, `Tool "${name}"`, owner),
      listing: compact({
        name,
        title: definition.title,
        description: definition.description,
        inputSchema: input,
        outputSchema: definition.output,
        annotations: definition.annotations,
        execution: taskSupport === 'forbidden' ? undefined : { taskSupport },
        icons: definition.icons,
        _meta: definition._meta
      }),
      validateInput: compileSchema(input, `${what} input schema`),
      validateOutput: definition.output === undefined ? undefined : compileSchema(definition.output, `${what} output schema`),
      timeoutMs: definition.timeoutMs,
      truncateOversized: definition.oversizedResult === 'truncate',
      headerParams: headerParams(input, what),
      handler: definition.handler
    }
    return this.#registration(this.tools, name, tool, 'tools')
  }

  addResource (owner: string, definition: ResourceDefinition): Registration {
    if (typeof definition.uri !== 'string' || !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(definition.uri)) {
      throw new MCP_ERR_INVALID_RESOURCE_URI(JSON.stringify(definition.uri), owner)
    }
    if (typeof definition.read !== 'function') throw new MCP_ERR_MISSING_HANDLER(`Resource "${definition.uri}"`, owner, 'read')
    this.#assertFree(this.resources, definition.uri, MCP_ERR_DUPLICATE_RESOURCE, owner)
    const scopes = requiredScopes(definition.scopes, `Resource "${definition.uri}"`, owner)
    return this.#registration(this.resources, definition.uri, {
      uri: definition.uri,
      owner,
      scopes,
      definition,
      listing: compact({
        uri: definition.uri,
        name: definition.name,
        title: definition.title,
        description: definition.description,
        mimeType: definition.mimeType,
        size: definition.size,
        annotations: definition.annotations,
        icons: definition.icons,
        _meta: definition._meta
      })
    }, 'resources')
  }

  addTemplate (owner: string, definition: ResourceTemplateDefinition): Registration {
    const what = `Resource template "${definition.uriTemplate}"`
    if (typeof definition.read !== 'function') throw new MCP_ERR_MISSING_HANDLER(what, owner, 'read')
    this.#assertFree(this.templates, definition.uriTemplate, MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE, owner)
    const compiled = compileTemplate(definition.uriTemplate)
    for (const variable of Object.keys(definition.complete ?? {})) {
      if (!compiled.variables.includes(variable)) {
        throw new MCP_ERR_INVALID_COMPLETER(what, owner, variable, `variables (${compiled.variables.join(', ') || 'it has none'})`)
      }
    }
    const scopes = requiredScopes(definition.scopes, what, owner)
    return this.#registration(this.templates, definition.uriTemplate, {
      uriTemplate: definition.uriTemplate,
      owner,
      scopes,
      compiled,
      definition,
      listing: compact({
        uriTemplate: definition.uriTemplate,
        name: definition.name,
        title: definition.title,
        description: definition.description,
        mimeType: definition.mimeType,
        annotations: definition.annotations,
        icons: definition.icons,
        _meta: definition._meta
      })
    }, 'resources')
  }

  addPrompt (owner: string, definition: PromptDefinition): Registration {
    const what = `Prompt "${definition.name}"`
    if (typeof definition.name !== 'string' || definition.name === '') throw new MCP_ERR_INVALID_PROMPT_NAME(owner)
    if (typeof definition.handler !== 'function') throw new MCP_ERR_MISSING_HANDLER(what, owner, 'handler')
    this.#assertFree(this.prompts, definition.name, MCP_ERR_DUPLICATE_PROMPT, owner)
    const schema: TObject = definition.arguments ?? Type.Object({})
    const required = new Set(schema.required ?? [])
    const args = Object.entries(schema.properties ?? {}).map(([name, property]) => compact({
      name,
      title: (property as { title?: string }).title,
      description: (property as { description?: string }).description,
      required: required.has(name)
    }))
    const complete = (definition.complete ?? {}) as Record<string, Completer | undefined>
    for (const name of Object.keys(complete)) {
      if (!(name in (schema.properties ?? {}))) {
        throw new MCP_ERR_INVALID_COMPLETER(what, owner, name, `arguments (${Object.keys(schema.properties ?? {}).join(', ') || 'it has none'})`)
      }
    }
    const scopes = requiredScopes(definition.scopes, what, owner)
    return this.#registration(this.prompts, definition.name, {
      name: definition.name,
      owner,
      scopes,
      validateArguments: compileSchema(schema, `${what} (plugin "${owner}") arguments schema`),
      complete,
      handler: definition.handler,
      listing: compact({
        name: definition.name,
        title: definition.title,
        description: definition.description,
        arguments: args.length > 0 ? args : undefined,
        icons: definition.icons,
        _meta: definition._meta
      })
    }, 'prompts')
  }
}

/**
 * Finds `x-mcp-header` annotations and checks the spec's constraints: only on
 * primitive (string, integer, boolean) properties reachable through
 * `properties` alone, with unique, token-shaped names.
 */
function headerParams (schema: TSchema, what: string): Array<{ path: string[], header: string }> {
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
  walk(schema as Record<string, unknown>, [])
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
