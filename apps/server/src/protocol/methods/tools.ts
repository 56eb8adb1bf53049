/** `tools/call`: validate, run with a time limit, shape and check the result. */
import type { RegisteredTool } from '../../registry/registry.ts'
import { ToolError } from '../../registry/tool-error.ts'
import type { ContentBlock } from '../../registry/types.ts'
import type { Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { missingScopes } from '../../registry/access.ts'
import { insufficientScope, invalidParams, invalidToolResult, missingTasksExtension, ProtocolError, tooManyTasks, unknownTool } from '../errors.ts'
import { cutText, fitsJson, jsonSize, NotJson } from '../result-size.ts'
import { formatMs, HandlerAborted, HandlerTimeout, runHandler, type HandlerOutcome } from '../run-handler.ts'
import { declaresTasks, wireTask } from '../tasks/manager.ts'
import { gateOf, type ToolGate } from '../concurrency.ts'

const NO_ARGUMENTS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>

/**
 * Not an async function: it runs for every call, and a tool without a concurrency cap that is not
 * called as a task (nearly every call) needs no await of its own; the others go to `gatedOrTask`.
 * A refusal here is thrown synchronously, and the dispatcher answers it like a rejection.
 */
export function callTool (core: CoreContext, call: Call): Record<string, unknown> | Promise<Record<string, unknown>> {
  const { name } = call.params
  if (typeof name !== 'string') {
    throw invalidParams('"name" (the tool to call) must be a string')
  }
  const tool = core.registry.tools.get(name)
  if (tool === undefined) {
    throw unknownTool(name)
  }
  const missing = missingScopes(tool.scopes, call.tc.principal)
  if (missing.length > 0) {
    call.logger.info({ tool: tool.name, missing }, 'tool call refused: the caller lacks a scope the tool needs (403)')
    throw insufficientScope(`tool "${name}"`, tool.scopes)
  }
  const asTask = call.era === 'modern' && tool.taskSupport !== 'forbidden' && declaresTasks(call.clientCapabilities)
  if (call.era === 'modern' && tool.taskSupport === 'required' && !asTask) {
    throw missingTasksExtension(`Tool "${name}" runs only as a task: it`)
  }
  const args = call.params.arguments ?? NO_ARGUMENTS
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw invalidParams('"arguments" must be an object')
  }
  // Invalid arguments are a tool execution error, so the model can read the problem and retry.
  if (!tool.validateInput(args)) {
    return errorResult(`Invalid arguments for tool "${name}": ${tool.validateInput.problems()}`)
  }

  // A Standard Schema may transform what it checked (defaults, coercions): the handler gets its result
  // (read now: the validator keeps only its last result, and the queue below may wait).
  const input = tool.validateInput.parsed?.() ?? args
  const gate = gateOf(tool, core.options.budgets.toolQueueMax ?? 100)
  if (gate !== undefined || asTask) return gatedOrTask(core, call, tool, input, gate, asTask)
  return settleTool(core, call, tool, runHandler(core, call, tool, name, input as never, tool.handler))
}

/** A call that waits for a slot of its tool's concurrency cap, or may become a task. */
async function gatedOrTask (core: CoreContext, call: Call, tool: RegisteredTool, input: unknown, gate: ToolGate | undefined, asTask: boolean): Promise<Record<string, unknown>> {
  if (gate !== undefined) {
    const refused = await gate.enter(call, tool, tool.timeoutMs ?? core.options.handlerTimeoutMs)
    if (refused !== undefined) return errorResult(refused)
  }
  const running = runHandler(core, call, tool, tool.name, input as never, tool.handler)
  if (gate !== undefined) {
    // The slot frees when the call is answered (a handler abandoned after its time limit no longer counts).
    const leave = () => { gate.leave() }
    running.then(leave, leave)
  }
  if (asTask) {
    const afterMs = tool.taskSupport === 'required' ? 0 : core.tasks.settings.afterMs
    if (await stillRunningAfter(running, afterMs, call)) {
      const created = await startTask(core, call, tool, running)
      if (created !== undefined) return created
    }
  }
  return await settleTool(core, call, tool, running)
}

/**
 * Resolves true if the handler is still running after `ms` (and is not ending
 * an MRTR round: input requests made before the call is a task are asked the
 * MRTR way, on the original request), false once it settles.
 */
async function stillRunningAfter (running: Promise<unknown>, ms: number, call: Call): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => { if (call.inputRequests === undefined) resolve(true) }, ms)
    const done = () => { clearTimeout(timer); resolve(false) }
    running.then(done, done)
  })
}

/**
 * The call becomes a task: the handler goes on (it is the same run), its
 * result lands in the task. Answers the CreateTaskResult once the task is
 * stored; undefined when a cap refused it and the call may finish in place.
 */
async function startTask (core: CoreContext, call: Call, tool: RegisteredTool, running: Promise<HandlerOutcome<unknown>>): Promise<Record<string, unknown> | undefined> {
  const run = core.tasks.prepare(call.tc.principal?.id ?? null, call.tc.clientKey, (reason) => call.abort(reason))
  // Set before the store answers, so an input request made meanwhile already goes to the task.
  call.task = run
  const refused = await core.tasks.create(run)
  if (refused !== undefined) {
    call.task = undefined
    if (tool.taskSupport === 'required') {
      call.abort('task refused')
      const { maxTasks, maxTasksPerClient } = core.options.budgets
      throw tooManyTasks(refused === 'client', refused === 'client' ? maxTasksPerClient : maxTasks)
    }
    return undefined
  }
  call.execution?.extend(core.tasks.settings.timeoutMs)
  call.logger.debug({ tool: tool.name, taskId: run.taskId }, 'tool call runs as a task')
  settleTool(core, call, tool, running).then(
    // The inlined result is a complete CallToolResult of 2026-07-28: it carries its resultType.
    (result) => run.settle(run.cancelled ? {} : { status: 'completed', result: { ...result, resultType: 'complete' } }),
    (error: unknown) => {
      const failure = error instanceof ProtocolError ? error : invalidToolResult(tool.name, 'failed')
      return run.settle({
        status: 'failed',
        statusMessage: failure.message,
        error: failure.data === undefined ? { code: failure.code, message: failure.message } : { code: failure.code, message: failure.message, data: failure.data }
      })
    }
  ).catch((error: unknown) => { call.logger.error({ err: error, taskId: run.taskId }, 'task result could not be stored') })
  return { ...wireTask(run.record), resultType: 'task' }
}

/** The handler's outcome as a tool result (or the ProtocolError it amounts to). A `.then`, not an async function: it runs for every call. */
function settleTool (core: CoreContext, call: Call, tool: RegisteredTool, running: Promise<HandlerOutcome<unknown>>): Promise<Record<string, unknown>> {
  return running.then((outcome) => shapeResult(core, call, tool, outcome), (error: unknown) => failedResult(call, tool, error))
}

function shapeResult (core: CoreContext, call: Call, tool: RegisteredTool, outcome: HandlerOutcome<unknown>): Record<string, unknown> {
  if ('inputRequired' in outcome) return outcome.inputRequired
  const result = toolResult(call, tool, outcome.value)
  const limit = core.options.budgets.maxResultBytes
  try {
    return fitsJson(result, limit) ? result : oversized(call, tool, result, limit)
  } catch (error) {
    if (!(error instanceof NotJson)) throw error
    call.logger.error({ tool: tool.name, plugin: tool.owner, problem: error.message }, 'tool result cannot be sent as JSON')
    throw invalidToolResult(tool.name, `returned ${error.message}`)
  }
}

const TRUNCATED = 'io.mcp-platform/truncated'
/** How far an oversized result is counted to report its size. */
const MEASURE_CAP_BYTES = 64 * 1024 * 1024

/**
 * A result over the byte budget: cut text for tools that opted in, else a
 * tool error with the size (measured in full only here, without serializing).
 */
function oversized (call: Call, tool: RegisteredTool, result: Record<string, unknown>, limit: number): Record<string, unknown> {
  // Counted up to a cap, not to the end: a result that refers to itself has no end (the count would spin forever).
  const cap = Math.max(4 * limit, MEASURE_CAP_BYTES)
  const size = jsonSize(result, cap)
  if (size > cap) {
    call.logger.warn({ tool: tool.name, plugin: tool.owner, limit }, 'tool result over the byte budget (past the measuring cap: huge, or it refers to itself)')
    return errorResult(`Tool "${tool.name}" returned a result of more than ${cap} bytes (or one that refers to itself), over this server's limit of ${limit} bytes ` +
      '(MCP_MAX_RESULT_BYTES): ask for less, e.g. a narrower query or fewer rows')
  }
  call.logger.warn({ tool: tool.name, plugin: tool.owner, bytes: size, limit }, 'tool result over the byte budget')
  const content = result.content as ContentBlock[]
  if (tool.truncateOversized) {
    const texts = content.filter((block): block is Extract<ContentBlock, { type: 'text' }> => block.type === 'text')
    const textBytes = texts.reduce((sum, block) => sum + Buffer.byteLength(block.text), 0)
    // What is not text stays as it is; the text shares what is left, minus room for the flag.
    let room = limit - (size - textBytes) - 256
    if (room > 0) {
      const cut = content.map((block) => {
        if (block.type !== 'text') return block
        const text = cutText(block.text, room)
        room -= Buffer.byteLength(text)
        return { ...block, text }
      })
      const meta = { ...(result._meta as Record<string, unknown> | undefined), [TRUNCATED]: { bytes: size, limit } }
      return { ...result, content: cut, _meta: meta }
    }
  }
  return errorResult(`Tool "${tool.name}" returned a result of ${size} bytes, over this server's limit of ${limit} bytes ` +
    '(MCP_MAX_RESULT_BYTES): ask for less, e.g. a narrower query or fewer rows')
}

function errorResult (text: string, details?: unknown): Record<string, unknown> {
  return details === undefined
    ? { content: [{ type: 'text', text }], isError: true }
    : { content: [{ type: 'text', text }], structuredContent: details, isError: true }
}

function failedResult (call: Call, tool: RegisteredTool, error: unknown): Record<string, unknown> {
  if (error instanceof ProtocolError) throw error
  if (error instanceof ToolError) return errorResult(error.message, error.details)
  if (error instanceof HandlerTimeout) {
    call.logger.warn({ tool: tool.name, timeoutMs: error.ms, outcome: error.outcome }, 'tool timed out')
    return errorResult(`Tool "${tool.name}" timed out after ${formatMs(error.ms)} and ${error.outcome}`)
  }
  if (error instanceof HandlerAborted || call.aborted) {
    return errorResult(`Tool "${tool.name}" was cancelled (${call.abortReason ?? 'aborted'})`)
  }
  call.logger.error({ err: error, tool: tool.name, plugin: tool.owner }, 'tool handler threw')
  const message = error instanceof Error ? error.message : String(error)
  return errorResult(`Tool "${tool.name}" failed: ${message}`)
}

/** Accepts the shorthand forms a handler may return and checks `structuredContent` against the output schema. */
function toolResult (call: Call, tool: RegisteredTool, value: unknown): Record<string, unknown> {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] }
  if (value === null || typeof value !== 'object') {
    throw invalidToolResult(tool.name, `returned ${value === null ? 'null' : typeof value}; a handler must return a string or a result object`)
  }
  const given = value as { text?: string, content?: ContentBlock[], structuredContent?: unknown, isError?: boolean, _meta?: Record<string, unknown> }
  const result: Record<string, unknown> = {}
  if (given.content !== undefined) result.content = given.content
  else if (given.text !== undefined) result.content = [{ type: 'text', text: given.text }]
  else if (given.structuredContent !== undefined) result.content = [{ type: 'text', text: JSON.stringify(given.structuredContent) }]
  else result.content = []
  if (given.isError === true) {
    result.isError = true
  } else if (tool.validateOutput !== undefined) {
    if (given.structuredContent === undefined || !tool.validateOutput(given.structuredContent)) {
      const problem = given.structuredContent === undefined ? 'it is missing' : tool.validateOutput.problems()
      call.logger.error({ tool: tool.name, plugin: tool.owner, problem }, 'tool result does not match its output schema')
      throw invalidToolResult(tool.name, `returned structuredContent that does not match its output schema: ${problem}`)
    }
    const parsed = tool.validateOutput.parsed?.()
    if (parsed !== undefined) {
      result.structuredContent = parsed
      if (given._meta !== undefined) result._meta = given._meta
      return result
    }
  }
  if (given.structuredContent !== undefined) result.structuredContent = given.structuredContent
  if (given._meta !== undefined) result._meta = given._meta
  return result
}
