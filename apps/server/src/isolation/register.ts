/**
 * Registers an isolated plugin: starts its worker pool or child process,
 * then puts what the plugin registered there into the host's registry, each
 * handler a forwarder to the isolated side. Plugin code is unchanged: it
 * registers through `app.mcp` as it would in-process.
 */
import type { FastifyInstance } from 'fastify'
import { resolvePlugin } from '../config/plugins.ts'
import type { PluginEntry } from '../config/schema.ts'
import { isHostError, MCP_ERR_PLUGIN_REGISTER } from '../errors.ts'
import { kPluginOwner } from '../registry/plugin.ts'
import type { TSchema } from '@sinclair/typebox'
import type { Completer, McpRegistry, PromptDefinition, RequestContext, ResourceTemplateDefinition, ToolDefinition } from '../registry/types.ts'
import type { CallRequest } from './channel.ts'
import type { Registrations } from './messages.ts'
import { DEFAULT_LIMITS, type BackendOptions, type IsolationLimits, type Permissions } from './options.ts'
import { ProcessHost } from './process-host.ts'
import { WorkerPool } from './worker-pool.ts'

export interface IsolatedPluginSpec {
  name: string
  url: string
  file: string | undefined
  isolate: 'worker' | 'process'
  options: Record<string, unknown>
  limits?: Partial<IsolationLimits>
  permissions?: Permissions
  queueMax: number
  /** On close, how long calls in flight may finish before the workers or the process are stopped (limits.shutdownDrainMs). */
  drainMs?: number
}

interface Backend {
  start (): Promise<Registrations>
  call (request: CallRequest, ctx: RequestContext | undefined): Promise<unknown>
  close (): Promise<void>
  readonly inFlight: number
  onNotify: (uri: string) => void
}

/** Starts the plugin's isolated side and registers its tools, resources and prompts on `app.mcp`; stopped when `app` closes. */
export async function startIsolatedPlugin (app: FastifyInstance, spec: IsolatedPluginSpec): Promise<void> {
  const limits = { ...DEFAULT_LIMITS[spec.isolate], ...spec.limits }
  const options: BackendOptions = {
    name: spec.name,
    url: spec.url,
    file: spec.file,
    options: spec.options,
    limits,
    queueMax: spec.queueMax,
    permissions: spec.permissions ?? {},
    log: app.log.child({ isolate: spec.isolate })
  }
  const backend: Backend = spec.isolate === 'worker' ? new WorkerPool(options) : new ProcessHost(options)
  // Closing hooks run in reverse order, so this one runs before the platform's drain: it waits for the calls in flight itself.
  app.addHook('onClose', async () => {
    const until = Date.now() + (spec.drainMs ?? 0)
    while (backend.inFlight > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
    await backend.close()
  })
  backend.onNotify = (uri) => { app.mcp.notifyResourceUpdated(uri) }
  const registrations = await backend.start()
  registerForwarders(app.mcp, registrations, backend)
  app.log.info({ plugin: spec.name, isolate: spec.isolate, limits, tools: registrations.tools.map((tool) => tool.name) }, 'isolated plugin started')
}

function registerForwarders (mcp: McpRegistry, registrations: Registrations, backend: Backend): void {
  const principalOf = (ctx: RequestContext) => ({ principal: ctx.principal, client: ctx.client })
  for (const tool of registrations.tools) {
    mcp.tool({
      ...(tool as unknown as ToolDefinition<TSchema>),
      handler: (args, ctx) => backend.call({ kind: 'tool', key: tool.name, args, ...principalOf(ctx) }, ctx) as never
    })
  }
  for (const resource of registrations.resources) {
    mcp.resource({
      ...(resource as unknown as { uri: string, name: string }),
      read: (uri, ctx) => backend.call({ kind: 'resource', key: resource.uri, uri, ...principalOf(ctx) }, ctx) as never
    })
  }
  for (const { completes, ...template } of registrations.templates) {
    const owner = `template:${template.uriTemplate}`
    mcp.resourceTemplate({
      ...(template as unknown as ResourceTemplateDefinition),
      complete: completers(backend, owner, completes),
      read: (uri, variables, ctx) => backend.call({ kind: 'template', key: template.uriTemplate, uri, variables, ...principalOf(ctx) }, ctx) as never
    })
  }
  for (const { completes, ...prompt } of registrations.prompts) {
    mcp.prompt({
      ...(prompt as unknown as PromptDefinition),
      complete: completers(backend, `prompt:${prompt.name}`, completes) as never,
      handler: (args, ctx) => backend.call({ kind: 'prompt', key: prompt.name, args, ...principalOf(ctx) }, ctx) as never
    })
  }
  for (const name of registrations.readiness) {
    mcp.readinessCheck(name, () => backend.call({ kind: 'ready', key: name }, undefined))
  }
}

function completers (backend: Backend, owner: string, names: string[]): Record<string, Completer> {
  const out: Record<string, Completer> = {}
  for (const argument of names) {
    out[argument] = (value, context) => backend.call({ kind: 'complete', key: `${owner}:${argument}`, args: { value, context } }, undefined) as Promise<string[]>
  }
  return out
}

/**
 * A `{ module, isolate }` entry, registered like any tool plugin: in its own
 * encapsulated context, attributed to the plugin, a start failure naming it
 * and its file (MCP_ERR_PLUGIN_REGISTER).
 */
export function registerIsolatedPlugin (app: FastifyInstance, entry: IsolatedEntry, cwd: string, limits: { toolQueueMax: number, shutdownDrainMs: number }): void {
  const name = entry.name ?? entry.module
  const { url, file } = resolvePlugin(entry.module, cwd)
  const wrapper = async function (instance: FastifyInstance) {
    (instance as unknown as Record<symbol, string>)[kPluginOwner] = name
    try {
      await startIsolatedPlugin(instance, {
        name, url, file, isolate: entry.isolate, options: entry.options ?? {}, limits: entry.limits, permissions: entry.permissions, queueMax: limits.toolQueueMax, drainMs: limits.shutdownDrainMs
      })
    } catch (error) {
      if (isHostError(error)) throw error
      throw new MCP_ERR_PLUGIN_REGISTER(name, file ?? url, `${error instanceof Error ? error.message : String(error)} (loaded isolated: ${entry.isolate})`, { cause: error })
    }
  }
  Object.defineProperty(wrapper, 'name', { value: name })
  app.register(wrapper)
}

export type IsolatedEntry = Extract<PluginEntry, { module: string }> & { isolate: 'worker' | 'process' }

export interface IsolatedPluginOptions {
  /** A package name or a path (relative to `cwd`). */
  module: string
  isolate: 'worker' | 'process'
  name?: string
  options?: Record<string, unknown>
  limits?: Partial<IsolationLimits>
  permissions?: Permissions
  /** Where a relative `module` is resolved (default: the working directory). */
  cwd?: string
  /** Calls that may wait for a worker or the process (default 100). */
  toolQueueMax?: number
  /** On close, how long calls in flight may finish (default 10 s). */
  drainMs?: number
}

/**
 * For an embedder: `app.register(isolatedPlugin, { module, isolate, limits })`
 * after `mcpPlatform`, as a `{ module, isolate }` entry of `buildApp` loads it.
 */
export async function isolatedPlugin (app: FastifyInstance, opts: IsolatedPluginOptions): Promise<void> {
  const name = opts.name ?? opts.module
  const { url, file } = resolvePlugin(opts.module, opts.cwd ?? process.cwd())
  ;(app as unknown as Record<symbol, string>)[kPluginOwner] = name
  await startIsolatedPlugin(app, {
    name,
    url,
    file,
    isolate: opts.isolate,
    options: opts.options ?? {},
    limits: opts.limits,
    permissions: opts.permissions,
    queueMax: opts.toolQueueMax ?? 100,
    drainMs: opts.drainMs ?? 10_000
  })
}
