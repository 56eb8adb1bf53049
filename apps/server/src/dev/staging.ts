/**
 * One version of a plugin in dev mode. While it loads, what it registers on
 * `app.mcp` is checked (by a scratch registry, so errors are the ones a
 * normal start gives) and recorded, not yet served; `commit` then swaps it in
 * for the previous version in one synchronous step: no request sees a state
 * between the two, and a version that fails to load never touches what is
 * served. Handles returned while loading are bound to the served entries at
 * commit; after commit, registrations go straight to the host.
 */
import type { FastifyBaseLogger } from 'fastify'
import {
  MCP_ERR_DUPLICATE_PROMPT, MCP_ERR_DUPLICATE_RESOURCE, MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE, MCP_ERR_DUPLICATE_TOOL
} from '../errors.ts'
import { Registry } from '../registry/registry.ts'
import type { McpRegistry, RegistrationHandle } from '../registry/types.ts'

type Kind = 'tool' | 'resource' | 'resourceTemplate' | 'prompt'
type AnyHandle = RegistrationHandle<Record<string, unknown>>
type Definition = Record<string, unknown>

const KEY: Record<Kind, string> = { tool: 'name', resource: 'uri', resourceTemplate: 'uriTemplate', prompt: 'name' }
const DUPLICATE: Record<Kind, new (key: string, first: string, second: string) => Error> = {
  tool: MCP_ERR_DUPLICATE_TOOL,
  resource: MCP_ERR_DUPLICATE_RESOURCE,
  resourceTemplate: MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE,
  prompt: MCP_ERR_DUPLICATE_PROMPT
}

/** A handle given out before commit: changes apply to the recorded definition, then to the served entry. */
class DeferredHandle implements AnyHandle {
  definition: Definition
  #enabled = true
  #removed = false
  #real: AnyHandle | undefined
  readonly #scratch: AnyHandle

  constructor (definition: Definition, scratch: AnyHandle) {
    this.definition = definition
    this.#scratch = scratch
  }

  get enabled (): boolean { return this.#real?.enabled ?? (this.#enabled && !this.#removed) }
  get removed (): boolean { return this.#removed }

  bind (real: AnyHandle): void {
    this.#real = real
    if (!this.#enabled) real.disable()
  }

  update (changes: Definition): void {
    if (this.#real !== undefined) return this.#real.update(changes)
    this.#scratch.update(changes)
    this.definition = { ...this.definition, ...changes }
  }

  enable (): void {
    if (this.#real !== undefined) return this.#real.enable()
    this.#scratch.enable()
    this.#enabled = true
  }

  disable (): void {
    if (this.#real !== undefined) return this.#real.disable()
    this.#scratch.disable()
    this.#enabled = false
  }

  remove (): void {
    if (this.#real !== undefined) return this.#real.remove()
    this.#scratch.remove()
    this.#removed = true
  }
}

export class PluginVersion {
  readonly #owner: string
  readonly #host: Registry
  readonly #hostView: McpRegistry
  readonly #scratch = new Registry()
  readonly #scratchView: McpRegistry
  readonly #pending: Array<{ kind: Kind, handle: DeferredHandle }> = []
  readonly #checks = new Map<string, () => Promise<unknown>>()
  /** The served entries' handles (what `retire` removes). */
  readonly #served: AnyHandle[] = []
  #committed = false

  constructor (owner: string, host: Registry, log: FastifyBaseLogger) {
    this.#owner = owner
    this.#host = host
    this.#hostView = host.scoped(owner, log)
    this.#scratchView = this.#scratch.scoped(owner, log)
  }

  /** What this version's plugin sees as `app.mcp`. */
  view (): McpRegistry {
    const add = (kind: Kind) => (definition: Definition) => {
      if (this.#committed) {
        const real = (this.#hostView[kind] as unknown as (d: Definition) => AnyHandle)(definition)
        this.#served.push(real)
        return real
      }
      const scratch = (this.#scratchView[kind] as unknown as (d: Definition) => AnyHandle)(definition)
      const handle = new DeferredHandle(definition, scratch)
      this.#pending.push({ kind, handle })
      return handle
    }
    return {
      tool: add('tool') as unknown as McpRegistry['tool'],
      resource: add('resource') as unknown as McpRegistry['resource'],
      resourceTemplate: add('resourceTemplate') as unknown as McpRegistry['resourceTemplate'],
      prompt: add('prompt') as unknown as McpRegistry['prompt'],
      call: async (name, args, options) => await this.#hostView.call(name, args, options),
      notifyResourceUpdated: (uri) => { this.#hostView.notifyResourceUpdated(uri) },
      readinessCheck: (name, check) => {
        if (this.#committed) this.#hostView.readinessCheck(name, check)
        else this.#checks.set(name, check)
      }
    }
  }

  /** What this version serves, by kind (for the reload log line). */
  names (): string[] {
    return this.#pending.filter(({ handle }) => !handle.removed).map(({ kind, handle }) => `${kind} ${String(handle.definition[KEY[kind]])}`)
  }

  /**
   * Serves this version instead of `previous`, in one synchronous step.
   * Throws (serving nothing of it, `previous` untouched) when a name is taken
   * by another plugin.
   */
  commit (previous: PluginVersion | undefined): void {
    const maps = { tool: this.#host.tools, resource: this.#host.resources, resourceTemplate: this.#host.templates, prompt: this.#host.prompts }
    for (const { kind, handle } of this.#pending) {
      if (handle.removed) continue
      const key = String(handle.definition[KEY[kind]])
      const map = maps[kind] as Map<string, { owner: string }>
      const existing = map.get(key) ?? this.#host.disabledIn(map).get(key)
      if (existing !== undefined && existing.owner !== this.#owner) throw new DUPLICATE[kind](key, existing.owner, this.#owner)
    }
    this.#host.batch(() => {
      previous?.retire()
      for (const [name, check] of this.#checks) this.#host.readinessChecks.set(`${this.#owner}:${name}`, check)
      for (const { kind, handle } of this.#pending) {
        if (handle.removed) continue
        const real = (this.#hostView[kind] as unknown as (d: Definition) => AnyHandle)(handle.definition)
        this.#served.push(real)
        handle.bind(real)
      }
    })
    this.#committed = true
  }

  /** Stops serving this version's entries and readiness checks. */
  retire (): void {
    for (const handle of this.#served.splice(0)) handle.remove()
    for (const key of [...this.#host.readinessChecks.keys()]) {
      if (key.startsWith(`${this.#owner}:`)) this.#host.readinessChecks.delete(key)
    }
  }
}
