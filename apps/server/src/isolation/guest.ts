/**
 * The side of an isolated plugin that runs in the worker thread or child
 * process: it loads the plugin into a Fastify instance of its own whose
 * `app.mcp` records what the plugin registers, sends that to the host, then
 * runs the handlers the host calls, each with a `ctx` whose signal, progress,
 * logs and input requests travel as messages.
 *
 * What cannot cross is refused while the plugin loads, with a message naming
 * it: HTTP routes (the host would not serve them) and the host's own
 * decorators (`app.mcpCore`).
 */
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import type {
  McpRegistry, PromptDefinition, RegistrationHandle, RequestContext, ResourceDefinition, ResourceTemplateDefinition, ToolDefinition,
  Completer, Principal, LoggingLevel, ElicitRequest, ElicitResult, SampleRequest, SampleResult, Root
} from '../registry/types.ts'
import { toolSchema } from '../registry/schemas.ts'
import { ToolError } from '../registry/tool-error.ts'
import { guestLogger } from './guest-logger.ts'
import type { CallMessage, GuestMessage, HostMessage, InitMessage, Registrations, SerializedError } from './messages.ts'

export interface GuestPort {
  post (message: GuestMessage): void
  onMessage (listener: (message: HostMessage) => void): void
}

type Handler = (message: CallMessage, ctx: RequestContext) => unknown

/** The handlers by `<kind>:<key>`, and what the host is told about them. */
class Recorder {
  readonly handlers = new Map<string, Handler>()
  readonly registrations: Registrations = { tools: [], resources: [], templates: [], prompts: [], readiness: [] }
  notify: (uri: string) => void = () => {}

  registry (): McpRegistry {
    const removal = fixedHandle as never
    return {
      tool: (definition) => {
        const { handler, input, output, ...rest } = definition as unknown as ToolDefinition
        this.handlers.set(`tool:${definition.name}`, (message, ctx) => handler(message.args as never, ctx))
        // Standard Schemas (zod, valibot, arktype) cross as their JSON Schema: the host validates with it.
        const what = `Tool "${definition.name}"`
        const schemas = {
          ...(input !== undefined ? { input: toolSchema(input as object, 'input', `${what} input schema`).json } : {}),
          ...(output !== undefined ? { output: toolSchema(output as object, 'output', `${what} output schema`).json } : {})
        }
        this.registrations.tools.push(plain({ ...rest, ...schemas }) as Registrations['tools'][number])
        return removal
      },
      resource: (definition: ResourceDefinition) => {
        const { read, ...rest } = definition
        this.handlers.set(`resource:${definition.uri}`, (message, ctx) => read(message.uri ?? definition.uri, ctx))
        this.registrations.resources.push(plain(rest) as Registrations['resources'][number])
        return removal
      },
      resourceTemplate: (definition) => {
        const { read, complete, ...rest } = definition as unknown as ResourceTemplateDefinition
        this.handlers.set(`template:${definition.uriTemplate}`, (message, ctx) => read(message.uri ?? '', message.variables ?? {}, ctx))
        this.#completers(`template:${definition.uriTemplate}`, complete as Record<string, Completer> | undefined)
        this.registrations.templates.push({ ...plain(rest), completes: Object.keys(complete ?? {}) } as Registrations['templates'][number])
        return removal
      },
      prompt: (definition) => {
        const { handler, complete, ...rest } = definition as unknown as PromptDefinition
        this.handlers.set(`prompt:${definition.name}`, (message, ctx) => handler(message.args as never, ctx))
        this.#completers(`prompt:${definition.name}`, complete as Record<string, Completer> | undefined)
        this.registrations.prompts.push({ ...plain(rest), completes: Object.keys(complete ?? {}) } as Registrations['prompts'][number])
        return removal
      },
      notifyResourceUpdated: (uri) => { this.notify(uri) },
      readinessCheck: (name, check) => {
        this.handlers.set(`ready:${name}`, () => check())
        this.registrations.readiness.push(name)
      },
      call: async (name) => {
        throw new Error(`app.mcp.call("${name}") is not supported in an isolated plugin yet: the registry lives in the host process`)
      }
    }
  }

  #completers (owner: string, complete: Record<string, Completer> | undefined): void {
    for (const [argument, completer] of Object.entries(complete ?? {})) {
      this.handlers.set(`complete:${owner}:${argument}`, (message) => {
        const { value, context } = message.args as { value: string, context: { arguments: Record<string, string> } }
        return completer(value, context)
      })
    }
  }
}

/**
 * What an isolated plugin's registrations return: what it registered is
 * fixed once it is sent to the host, so changing it is refused with a reason.
 */
const notAcross = (what: string) => () => {
  throw new Error(`${what} is not supported for an isolated plugin: its registrations are sent to the host once, at start (load the plugin in-process to change them at run time)`)
}
const fixedHandle: RegistrationHandle<unknown> = {
  update: notAcross('update()'),
  enable: notAcross('enable()'),
  disable: notAcross('disable()'),
  remove: notAcross('remove()'),
  enabled: true
}

/** Schemas and metadata as plain JSON (TypeBox's symbol keys and any function are dropped). */
function plain (value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>
}

export function serializeError (error: unknown): SerializedError {
  if (error instanceof Error && (error as { code?: unknown }).code === 'ERR_ACCESS_DENIED') {
    // The permission model (or the network guard) refused: the caller reads what, the host logs it.
    return { message: `was refused by its plugin's sandbox: ${error.message}`, denied: true }
  }
  if (error instanceof ToolError || (error instanceof Error && error.name === 'ToolError')) {
    return { message: error.message, toolError: true, details: safeClone((error as ToolError).details) }
  }
  return { message: error instanceof Error ? error.message : String(error) }
}

function safeClone (value: unknown): unknown {
  try {
    return structuredClone(value)
  } catch {
    return undefined
  }
}

/** The `ctx` of one call inside the guest. */
class GuestContext implements RequestContext {
  readonly #guest: Guest
  readonly #id: number
  readonly controller = new AbortController()
  readonly principal: Principal | undefined
  readonly client: string
  #logger: ReturnType<typeof guestLogger> | undefined
  #asks = 0

  constructor (guest: Guest, message: CallMessage) {
    this.#guest = guest
    this.#id = message.id
    this.principal = message.principal
    this.client = message.client ?? ''
  }

  get signal (): AbortSignal { return this.controller.signal }
  get logger (): ReturnType<typeof guestLogger> {
    return (this.#logger ??= guestLogger(this.#guest.post, { plugin: this.#guest.name }))
  }

  progress (progress: number, total?: number, message?: string): void {
    this.#guest.post({ t: 'progress', id: this.#id, progress, total, message })
  }

  log (level: LoggingLevel, data: unknown, logger?: string): void {
    this.#guest.post({ t: 'log', id: this.#id, level, data: safeClone(data), logger })
  }

  elicit (request: ElicitRequest): Promise<ElicitResult> { return this.#ask('elicit', request) as Promise<ElicitResult> }
  sample (request: SampleRequest): Promise<SampleResult> { return this.#ask('sample', request) as Promise<SampleResult> }
  listRoots (options: { key?: string } = {}): Promise<{ roots: Root[] }> { return this.#ask('listRoots', options) as Promise<{ roots: Root[] }> }

  /** Needs an answer the host gives synchronously: not available across the boundary. */
  pollLater (): boolean { return false }

  #ask (method: 'elicit' | 'sample' | 'listRoots', request: unknown): Promise<unknown> {
    const ask = ++this.#asks
    return new Promise((resolve, reject) => {
      this.#guest.asks.set(`${this.#id}:${ask}`, { resolve, reject })
      this.#guest.post({ t: 'ask', id: this.#id, ask, method, request })
    })
  }
}

class Guest {
  readonly post: (message: GuestMessage) => void
  readonly recorder = new Recorder()
  readonly running = new Map<number, GuestContext>()
  readonly asks = new Map<string, { resolve: (value: unknown) => void, reject: (error: Error) => void }>()
  name = ''

  constructor (post: (message: GuestMessage) => void) {
    this.post = post
    this.recorder.notify = (uri) => { post({ t: 'notify', uri }) }
  }

  async load (init: InitMessage): Promise<void> {
    this.name = init.name
    let app: FastifyInstance | undefined
    try {
      const mod = await import(init.url) as { default?: unknown, plugin?: unknown }
      const plugin = mod.default ?? mod.plugin
      if (typeof plugin !== 'function') throw new Error(`${init.url} has no default export that is a Fastify plugin function`)
      app = Fastify({ loggerInstance: guestLogger(this.post, { plugin: init.name }) })
      app.decorate('mcp', this.recorder.registry())
      app.decorate('mcpCore', {
        getter () {
          throw new Error('app.mcpCore is the host\'s protocol core and cannot cross into an isolated plugin: load this plugin in-process (no "isolate")')
        }
      })
      app.addHook('onRoute', (route) => {
        throw new Error(`it adds the HTTP route ${String(route.method)} ${route.url}, which an isolated plugin cannot serve (routes stay in the host): load it in-process (no "isolate"), or move the route to a plugin of its own`)
      })
      await app.register(plugin as FastifyPluginAsync<Record<string, unknown>>, init.options)
      await app.ready()
    } catch (error) {
      this.post({ t: 'failed', message: error instanceof Error ? error.message : String(error) })
      return
    }
    this.post({ t: 'registered', registrations: this.recorder.registrations })
  }

  receive (message: HostMessage): void {
    switch (message.t) {
      case 'call': this.#call(message); break
      case 'abort': {
        const ctx = this.running.get(message.id)
        if (ctx === undefined) break
        ctx.controller.abort(message.reason)
        // Input requests of an aborted call will not be answered: the handler unwinds.
        for (const [key, ask] of this.asks) {
          if (key.startsWith(`${message.id}:`)) {
            this.asks.delete(key)
            ask.reject(new Error(`the call was aborted (${message.reason})`))
          }
        }
        break
      }
      case 'answer': {
        const key = `${message.id}:${message.ask}`
        const ask = this.asks.get(key)
        if (ask === undefined) break
        this.asks.delete(key)
        if (message.error !== undefined) ask.reject(new Error(message.error))
        else ask.resolve(message.value)
        break
      }
      case 'ping': this.post({ t: 'pong', n: message.n }); break
      case 'init': void this.load(message); break
    }
  }

  #call (message: CallMessage): void {
    const handler = this.recorder.handlers.get(message.key === '' ? message.kind : `${message.kind}:${message.key}`)
    const ctx = new GuestContext(this, message)
    this.running.set(message.id, ctx)
    let pending: unknown
    try {
      if (handler === undefined) throw new Error(`the plugin has no ${message.kind} "${message.key}"`)
      pending = handler(message, ctx)
    } catch (error) {
      this.#fail(message.id, error)
      return
    }
    if (pending instanceof Promise) pending.then((value) => { this.#succeed(message.id, value) }, (error: unknown) => { this.#fail(message.id, error) })
    else this.#succeed(message.id, pending)
  }

  #succeed (id: number, value: unknown): void {
    if (!this.running.delete(id)) return
    try {
      this.post({ t: 'result', id, value })
    } catch (error) {
      // A value structured cloning refuses (a function, a class instance with private state...).
      this.post({ t: 'error', id, error: { message: `its result cannot be sent to the host (${error instanceof Error ? error.message : String(error)}): return plain data` } })
    }
  }

  #fail (id: number, error: unknown): void {
    if (!this.running.delete(id)) return
    this.post({ t: 'error', id, error: serializeError(error) })
  }
}

/** Starts the guest on a message port: it waits for the host's `init`. */
export function runGuest (port: GuestPort): void {
  const guest = new Guest((message) => { port.post(message) })
  port.onMessage((message) => { guest.receive(message) })
}
