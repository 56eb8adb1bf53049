/**
 * The one decorator every tool plugin shares: `app.mcp`. The platform plugin
 * (through `fastify-plugin`) puts it where the platform is registered, so it
 * reaches the tool plugins registered there, which stay encapsulated.
 *
 * `app.mcp` is a getter, so each plugin gets a view of the registry that
 * records which plugin registered what (duplicate names are reported with
 * both plugins' names).
 */
import type { FastifyInstance } from 'fastify'
import type { Registry } from './registry.ts'
import type { McpRegistry } from './types.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The MCP registry: register tools, resources, resource templates and prompts. */
    readonly mcp: McpRegistry
  }
}

/** Set by the plugin loader on each tool plugin's instance (inherited by its children). */
export const kPluginOwner = Symbol('mcp.pluginOwner')
/** Set with kPluginOwner when the plugin entry gives `limits.concurrency`: the cap of its tools that set none. */
export const kPluginConcurrency = Symbol('mcp.pluginConcurrency')

export function decorateRegistry (app: FastifyInstance, registry: Registry): void {
  const views = new WeakMap<object, McpRegistry>()
  app.decorate('mcp', {
    getter (this: FastifyInstance) {
      let view = views.get(this)
      if (view === undefined) {
        const owner = (this as unknown as Record<symbol, string | undefined>)[kPluginOwner] ?? this.pluginName
        view = registry.scoped(owner, this.log, { concurrency: (this as unknown as Record<symbol, number | undefined>)[kPluginConcurrency] })
        views.set(this, view)
      }
      return view
    }
  })
}
