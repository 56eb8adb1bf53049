/**
 * The calculator plugin: one tool, `calculate`. It is the example to copy
 * when writing a plugin: register tools on `app.mcp` with TypeBox schemas,
 * keep the domain logic in its own module, and throw ToolError for failures
 * the caller should read.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { ToolError } from '@mcp-platform/server'
import { CalculationError, evaluate } from './evaluate.ts'

const calculator: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'calculate',
    title: 'Calculator',
    description: 'Evaluate an arithmetic expression, e.g. "2 * (3 + 4) ^ 2" or "sqrt(2) * pi". ' +
      'Operators: + - * / % ^ and parentheses; functions: sqrt, abs, round, floor, ceil, min, max, log, ln, exp, sin, cos, tan; constants: pi, e.',
    input: Type.Object({
      expression: Type.String({ minLength: 1, maxLength: 1000, description: 'The expression to evaluate' })
    }, { additionalProperties: false }),
    output: Type.Object({
      result: Type.Number({ description: 'The value of the expression' })
    }),
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    // Synchronous, as its work is: a handler may also be async (return a promise) when it awaits something.
    handler ({ expression }) {
      try {
        const result = evaluate(expression)
        return { text: String(result), structuredContent: { result } }
      } catch (error) {
        if (error instanceof CalculationError) throw new ToolError(error.message)
        throw error
      }
    }
  })
}

export default calculator
