/**
 * `app.mcp.call(name, args)`: a registered tool called from code (a test, or
 * one tool composing another) the way `tools/call` would: arguments
 * validated, the handler run, the result shaped and its structuredContent
 * checked. Failures come back as `isError` results carrying the message a
 * client would read, so a composing tool can pass them on or act on them.
 */
import type { FastifyBaseLogger } from 'fastify'
import { MCP_ERR_UNKNOWN_TOOL } from '../errors.ts'
import { ToolError } from './tool-error.ts'
import type { CallOptions, CallToolResult, ContentBlock, RequestContext } from './types.ts'
import type { Validator } from './validator.ts'

/** What a call needs of a registered tool (the registry's RegisteredTool has it). */
interface Callable {
  readonly name: string
  readonly owner: string
  readonly validateInput: Validator
  readonly validateOutput: Validator | undefined
  readonly handler: (args: never, ctx: RequestContext) => unknown
}

const NO_ARGUMENTS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>
const MAX_NAMES = 20

export async function callTool (
  tools: ReadonlyMap<string, Callable>, name: string, args: Record<string, unknown> = NO_ARGUMENTS, options: CallOptions = {}, log?: FastifyBaseLogger
): Promise<CallToolResult> {
  const tool = tools.get(name)
  if (tool === undefined) {
    const names = [...tools.keys()].sort()
    const known = names.length === 0 ? 'none' : names.slice(0, MAX_NAMES).join(', ') + (names.length > MAX_NAMES ? ', ...' : '')
    throw new MCP_ERR_UNKNOWN_TOOL(name, known)
  }
  if (!tool.validateInput(args)) return errorResult(`Invalid arguments for tool "${name}": ${tool.validateInput.problems()}`)
  const input = tool.validateInput.parsed?.() ?? args
  const ctx = options.ctx ?? standaloneContext(tool.owner, options.signal, log)
  let value: unknown
  try {
    value = await tool.handler(input as never, ctx)
  } catch (error) {
    if (error instanceof ToolError) return errorResult(error.message, error.details)
    if (ctx.signal.aborted) return errorResult(`Tool "${name}" was cancelled (${String(ctx.signal.reason ?? 'aborted')})`)
    return errorResult(`Tool "${name}" failed: ${error instanceof Error ? error.message : String(error)}`)
  }
  return shape(tool.name, value, tool.validateOutput)
}

function shape (name: string, value: unknown, validateOutput: Validator | undefined): CallToolResult {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] }
  if (value === null || typeof value !== 'object') {
    return errorResult(`Tool "${name}" returned ${value === null ? 'null' : typeof value}; a handler must return a string or a result object`)
  }
  const given = value as { text?: string, content?: ContentBlock[], structuredContent?: unknown, isError?: boolean, _meta?: Record<string, unknown> }
  const result: CallToolResult = {
    content: given.content ?? (given.text !== undefined
      ? [{ type: 'text', text: given.text }]
      : given.structuredContent !== undefined ? [{ type: 'text', text: JSON.stringify(given.structuredContent) }] : [])
  }
  let structured = given.structuredContent
  if (given.isError === true) {
    result.isError = true
  } else if (validateOutput !== undefined) {
    if (structured === undefined || !validateOutput(structured)) {
      const problem = structured === undefined ? 'it is missing' : validateOutput.problems()
      return errorResult(`Tool "${name}" returned structuredContent that does not match its output schema: ${problem}`)
    }
    structured = validateOutput.parsed?.() ?? structured
  }
  if (structured !== undefined) result.structuredContent = structured
  if (given._meta !== undefined) result._meta = given._meta
  return result
}

function errorResult (text: string, details?: unknown): CallToolResult {
  return details === undefined
    ? { content: [{ type: 'text', text }], isError: true }
    : { content: [{ type: 'text', text }], structuredContent: details, isError: true }
}

const NEVER = new AbortController().signal

/** No client behind the call: nothing to report progress to, and no one to ask for input. */
function standaloneContext (owner: string, signal: AbortSignal | undefined, log: FastifyBaseLogger | undefined): RequestContext {
  const noClient = async (): Promise<never> => {
    throw new Error('app.mcp.call() without a ctx has no client to ask: pass the calling handler\'s ctx ({ ctx }) to let the tool elicit, sample or list roots')
  }
  let logger: FastifyBaseLogger | undefined
  return {
    signal: signal ?? NEVER,
    principal: undefined,
    client: 'internal',
    get logger () { return (logger ??= (log ?? silentLogger()).child({ plugin: owner })) },
    progress () {},
    log () {},
    elicit: noClient,
    sample: noClient,
    listRoots: noClient,
    pollLater: () => false
  }
}

function silentLogger (): FastifyBaseLogger {
  const noop = () => {}
  const logger = { level: 'silent', fatal: noop, error: noop, warn: noop, info: noop, debug: noop, trace: noop, silent: noop, child: () => logger }
  return logger as unknown as FastifyBaseLogger
}
