/**
 * Compile-time checks of the plugin API (run by `tsc --noEmit` in `npm test`):
 * handler arguments are inferred from the schemas, no casts needed, and
 * wrong uses do not compile (each `@ts-expect-error` must find an error).
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { TemplateVariables } from '@mcp-platform/server'

export const plugin: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'typed',
    description: 'Arguments typed from the input schema',
    input: Type.Object({ a: Type.Number(), b: Type.Optional(Type.String()) }),
    output: Type.Object({ sum: Type.Number() }),
    handler ({ a, b }) {
      const n: number = a
      const s: string | undefined = b
      // @ts-expect-error `a` is a number, not a string
      const wrong: string = a
      void wrong; void s
      return { structuredContent: { sum: n } }
    }
  })

  app.mcp.tool({
    name: 'output_required',
    description: 'With an output schema, structuredContent must match it',
    output: Type.Object({ sum: Type.Number() }),
    // @ts-expect-error structuredContent.sum must be a number
    handler: () => ({ structuredContent: { sum: 'three' } })
  })

  app.mcp.tool({
    name: 'errors_need_no_structure',
    description: 'An error result needs no structuredContent',
    output: Type.Object({ sum: Type.Number() }),
    handler: () => ({ content: [{ type: 'text', text: 'nope' }], isError: true })
  })

  app.mcp.resourceTemplate({
    uriTemplate: 'db://tables/{table}/rows{?limit}',
    name: 'rows',
    complete: {
      table: (prefix) => ['customers'].filter((t) => t.startsWith(prefix)),
      // @ts-expect-error `column` is not a variable of the template
      column: () => []
    },
    read: (uri, { table, limit }) => `${uri} ${table} ${limit}`
  })

  app.mcp.tool({
    name: 'scoped',
    description: 'Scopes are declared at registration; the caller\'s are on ctx.principal',
    scopes: ['db:read'],
    handler: (_args, ctx) => {
      const held: string[] | undefined = ctx.principal?.scopes
      const expiresAt: number | undefined = ctx.principal?.expiresAt
      return `${held?.join(' ')} ${expiresAt}`
    }
  })

  app.mcp.resource({
    uri: 'db://schema',
    name: 'schema',
    // @ts-expect-error scopes are a list of names, not one string
    scopes: 'db:read',
    read: () => ''
  })

  app.mcp.prompt({
    name: 'typed_prompt',
    arguments: Type.Object({ topic: Type.String() }),
    handler: ({ topic }) => `Tell me about ${topic}`
  })
}

// Template variable names are read from the template string.
const variables: TemplateVariables<'a://{x}/{+y}{?p,q}'> = 'q'
// @ts-expect-error `z` is not a variable of the template
const notAVariable: TemplateVariables<'a://{x}'> = 'z'
void variables; void notAVariable
