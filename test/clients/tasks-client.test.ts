/**
 * The official tasks client, `@modelcontextprotocol/ext-tasks` 0.2.2, over a
 * connected `@modelcontextprotocol/client` v2 (2026-07-28), against the
 * server on a real port. Its 2026-07-28 path needs a host-owned raw request
 * function (the SDK's codecs do not know the task shapes): here a plain
 * fetch POST with the binding's headers. The test starts a long tool as a
 * task and polls it, answers an input request inside a task, cancels
 * another, and reads a result after the HTTP request that started it is
 * long gone.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { createTaskSessionFromClient, resultFromTaskOutcome } from '@modelcontextprotocol/ext-tasks/client'
import { deferred, encodeHeaderValue, MODERN_VERSION, parseSse, startTestServer } from '@mcp-platform/server/testing'

const TASKS = 'io.modelcontextprotocol/tasks'
const CAPABILITIES = { elicitation: {}, extensions: { [TASKS]: {} } }
const CLIENT_INFO = { name: 'tasks-client-test', version: '1.0.0' }

const cancelled = deferred<string>()
const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve, reject) => {
  const timer = setTimeout(resolve, ms)
  signal.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason) }, { once: true })
})

const tools: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'build_report',
    description: 'Takes a while, reporting progress; a task when it runs long',
    taskSupport: 'optional',
    input: Type.Object({ pages: Type.Integer({ minimum: 1 }) }),
    async handler ({ pages }, ctx) {
      for (let page = 1; page <= pages; page++) {
        await sleep(150, ctx.signal)
        ctx.progress(page, pages, `page ${page}`)
      }
      return { content: [{ type: 'text', text: `report of ${pages} pages` }], structuredContent: { pages } }
    }
  })
  app.mcp.tool({
    name: 'approve_payment',
    description: 'Always a task; asks the user to approve, inside the task',
    taskSupport: 'required',
    input: Type.Object({ amount: Type.Number() }),
    async handler ({ amount }, ctx) {
      await sleep(50, ctx.signal)
      const answer = await ctx.elicit({ message: `Approve a payment of ${amount}?`, requestedSchema: { type: 'object', properties: { approve: { type: 'boolean' } }, required: ['approve'] } })
      return answer.content?.approve === true ? `paid ${amount}` : 'not paid'
    }
  })
  app.mcp.tool({
    name: 'endless',
    description: 'Always a task; runs until cancelled',
    taskSupport: 'required',
    async handler (_args, ctx) {
      ctx.signal.addEventListener('abort', () => cancelled.resolve(String((ctx.signal.reason as Error)?.message)), { once: true })
      await sleep(3_600_000, ctx.signal)
      return 'never'
    }
  })
}

t.test('ext-tasks 0.2.2: long tool as a task, polled; input inside a task; cancel; a result read after its request is gone', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: tools }], limits: { taskAfterMs: 100 } })
  const posts: Array<{ method: string, status: number }> = []
  // The host-owned request path: one POST per JSON-RPC request, with the Streamable HTTP binding's headers.
  // It gets { method, params } and owns the JSON-RPC envelope (jsonrpc, id).
  let nextId = 1
  const rawDispatch = async (body: any): Promise<any> => {
    const request = { jsonrpc: '2.0', id: nextId++, ...body }
    const name = request.params?.name ?? request.params?.taskId
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN_VERSION,
      'mcp-method': request.method
    }
    if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name)
    const response = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify(request) })
    posts.push({ method: request.method, status: response.status })
    const text = await response.text()
    const messages = (response.headers.get('content-type') ?? '').startsWith('text/event-stream') ? parseSse(text) : [JSON.parse(text)]
    const answer = messages.find((m: any) => m.id === request.id)
    if (answer === undefined) throw new Error(`no answer to ${request.method}: HTTP ${response.status} ${text.slice(0, 200)}`)
    return answer.error !== undefined ? { kind: 'error', error: answer.error } : { kind: 'result', result: answer.result }
  }
  const client = new Client(CLIENT_INFO, { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: MODERN_VERSION } } } as never)
  await client.connect(new StreamableHTTPClientTransport(server.url))
  const asked: any[] = []
  const session = createTaskSessionFromClient(client, {
    endpointId: 'tasks-client-test',
    rawDispatch,
    v2RequestFraming: { protocolVersion: MODERN_VERSION, clientInfo: CLIENT_INFO, clientCapabilities: CAPABILITIES },
    onInputRequest: async (request: any) => {
      asked.push(request)
      return { action: 'accept', content: { approve: true } } as never
    }
  })
  t.teardown(async () => { await session.close().catch(() => {}); await client.close() })

  t.test('a long tool becomes a task: polled through working (with progress) to its result', async (t) => {
    const execution = await session.callTool('build_report', { pages: 6 })
    t.equal(execution.kind, 'task', 'the call came back as a task handle')
    const seen: string[] = []
    const { outcome } = await execution.settle({ onEvent: (event: any) => { if (event.type === 'task') seen.push(`${event.task.status}:${event.task.statusMessage ?? ''}`) } })
    t.equal(outcome.status, 'completed')
    t.same((resultFromTaskOutcome(outcome) as any).structuredContent, { pages: 6 })
    t.ok(posts.filter((p) => p.method === 'tasks/get').length >= 1, 'the client polled with tasks/get')
    t.ok(seen.some((s) => s.startsWith('working')), `it saw the task working (${seen.join(', ')})`)
  })

  t.test('an input request inside a task is answered through tasks/update', async (t) => {
    const execution = await session.callTool('approve_payment', { amount: 42 })
    t.equal(execution.kind, 'task')
    const { outcome } = await execution.settle()
    t.equal(outcome.status, 'completed')
    t.same((resultFromTaskOutcome(outcome) as any).content, [{ type: 'text', text: 'paid 42' }])
    t.equal(asked.length, 1, 'the application was asked once')
    t.match(JSON.stringify(asked[0]), /Approve a payment of 42/)
    t.ok(posts.some((p) => p.method === 'tasks/update' && p.status === 200), 'the answer went back with tasks/update')
  })

  t.test('a task is cancelled: its handler sees the abort and the task ends cancelled', async (t) => {
    const execution = await session.callTool('endless', {})
    t.equal(execution.kind, 'task')
    await execution.cancel()
    t.match(await cancelled.promise, /cancelled by tasks\/cancel/, 'ctx.signal aborted with the reason')
    const { outcome } = await execution.settle()
    t.equal(outcome.status, 'cancelled')
  })

  t.test('a finished task\'s result is read later, by id, long after the request that created it ended', async (t) => {
    const execution = await session.callTool('build_report', { pages: 2 })
    if (execution.kind !== 'task') throw new Error('expected a task')
    const taskId = execution.handle.taskId
    await execution.detach()
    // The creating POST answered long ago; every connection is dropped too (and the client notices before it polls).
    server.dropConnections()
    await new Promise((resolve) => setTimeout(resolve, 300))
    for (let i = 0; i < 100 && (await session.task(taskId).snapshot()).status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const outcome = await session.task(taskId).result()
    t.equal(outcome.status, 'completed')
    t.same((resultFromTaskOutcome(outcome) as any).content, [{ type: 'text', text: 'report of 2 pages' }])
  })
})
