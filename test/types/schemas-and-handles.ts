/**
 * Compile-time checks (run by `tsc --noEmit` in `npm test`) of the schema
 * kinds beyond TypeBox and of registration handles: arguments are inferred
 * from each kind, wrong uses do not compile (each `@ts-expect-error` must
 * find an error).
 */
import { Type, type TNumber, type TObject } from '@sinclair/typebox'
import { toStandardJsonSchema } from '@valibot/to-json-schema'
import { type } from 'arktype'
import type { FastifyPluginAsync } from 'fastify'
import * as v from 'valibot'
import * as z from 'zod'
import { jsonSchema, type CallToolResult, type PromptHandle, type ResourceHandle, type ToolHandle } from '@mcp-platform/server'

export const schemas: FastifyPluginAsync = async (app) => {
  // Plain JSON Schema: arguments are unknown-valued records.
  app.mcp.tool({
    name: 'plain',
    description: 'Plain JSON Schema',
    input: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    handler: (args) => {
      const city: unknown = args.city
      // @ts-expect-error an unknown value is not a string until checked
      const text: string = args.city
      void text
      return typeof city === 'string' ? city : 'somewhere'
    }
  })

  // ...unless a type is given with jsonSchema<T>().
  app.mcp.tool({
    name: 'plain_typed',
    description: 'Plain JSON Schema with a type',
    input: jsonSchema<{ city: string, days?: number }>({ type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] }),
    output: jsonSchema<{ forecast: string[] }>({ type: 'object', properties: { forecast: { type: 'array', items: { type: 'string' } } } }),
    handler: ({ city, days }) => {
      const n: number | undefined = days
      // @ts-expect-error `city` is a string
      const wrong: number = city
      void wrong; void n
      return { structuredContent: { forecast: [city] } }
    }
  })

  app.mcp.tool({
    name: 'plain_output_typed',
    description: 'A typed output schema types structuredContent',
    output: jsonSchema<{ forecast: string[] }>({ type: 'object' }),
    // @ts-expect-error forecast must be a list of strings
    handler: () => ({ structuredContent: { forecast: 'sunny' } })
  })

  // zod 4: arguments are zod's output type (defaults applied).
  app.mcp.tool({
    name: 'zod',
    description: 'zod',
    input: z.object({ n: z.number(), label: z.string().default('n') }),
    output: z.object({ doubled: z.number() }),
    handler: ({ n, label }) => {
      const s: string = label
      // @ts-expect-error `n` is a number
      const wrong: string = n
      void wrong; void s
      return { structuredContent: { doubled: n * 2 } }
    }
  })

  app.mcp.tool({
    name: 'zod_output',
    description: 'zod output typed',
    output: z.object({ doubled: z.number() }),
    // @ts-expect-error doubled must be a number
    handler: () => ({ structuredContent: { doubled: 'two' } })
  })

  // valibot, made listable with toStandardJsonSchema.
  app.mcp.tool({
    name: 'valibot',
    description: 'valibot',
    input: toStandardJsonSchema(v.object({ word: v.string(), times: v.optional(v.number(), 1) })),
    handler: ({ word, times }) => {
      const n: number = times
      // @ts-expect-error `word` is a string
      const wrong: boolean = word
      void wrong
      return word.repeat(n)
    }
  })

  // arktype.
  app.mcp.tool({
    name: 'arktype',
    description: 'arktype',
    input: type({ age: 'number', 'nick?': 'string' }),
    output: type({ adult: 'boolean' }),
    handler: ({ age, nick }) => {
      const s: string | undefined = nick
      void s
      // @ts-expect-error `age` is a number
      const wrong: string = age
      void wrong
      return { structuredContent: { adult: age >= 18 } }
    }
  })

  // TypeBox stays the default and keeps its inference.
  app.mcp.tool({
    name: 'typebox',
    description: 'TypeBox',
    input: Type.Object({ a: Type.Number() }),
    handler: ({ a }) => String(a + 1)
  })
}

export const handles: FastifyPluginAsync = async (app) => {
  const tool: ToolHandle<TObject<{ a: TNumber }>> = app.mcp.tool({
    name: 'handled',
    description: 'Has a handle',
    input: Type.Object({ a: Type.Number() }),
    handler: ({ a }) => String(a)
  })
  tool.update({ description: 'Changed', handler: ({ a }) => String(a * 2) })
  // @ts-expect-error the name cannot change through update
  tool.update({ name: 'renamed' })
  // @ts-expect-error the new handler gets the same arguments: `a` is a number
  tool.update({ handler: ({ a }: { a: string }) => a })
  tool.disable()
  tool.enable()
  const enabled: boolean = tool.enabled
  void enabled
  tool.remove()

  const resource: ResourceHandle = app.mcp.resource({ uri: 'memo://a', name: 'a', read: () => 'a' })
  resource.update({ read: () => 'b' })
  // @ts-expect-error the URI cannot change through update
  resource.update({ uri: 'memo://b' })

  const prompt: PromptHandle = app.mcp.prompt({ name: 'p', handler: () => 'p' })
  prompt.disable()

  const template = app.mcp.resourceTemplate({ uriTemplate: 'memo://{id}', name: 't', read: (_uri, { id }) => id })
  template.update({ read: (_uri, { id }) => `${id}!` })

  app.mcp.tool({
    name: 'composer',
    description: 'Calls another tool',
    handler: async (_args, ctx) => {
      const result: CallToolResult = await app.mcp.call('handled', { a: 1 }, { ctx })
      // @ts-expect-error arguments are an object
      await app.mcp.call('handled', 1)
      return result.isError === true ? 'failed' : { content: result.content }
    }
  })
}
