/**
 * Two instances of the server sharing one Redis (REDIS_URL), no balancer:
 * the test itself sends each request to the instance it chooses. A legacy
 * session opened on one is served by the other, its DELETE ends it on both,
 * a resource update published on one reaches a GET stream held on the
 * other, and an MRTR requestState is single-use across both.
 */
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { buildTestApp, createInjectClient, legacyInitialize, legacyRequest, LEGACY_VERSION, modernEnvelope, modernHeaders, startTestServer, until, within, deferred, type TestServer } from '../../apps/server/src/testing/index.ts'
import { startRedis } from '../helpers/redis.ts'

const started = deferred()
const cancelled = deferred<string>()

const plugin: FastifyPluginAsync = async (app) => {
  app.mcp.tool({ name: 'touch', description: 'Announces an update of memo://note', handler: () => { app.mcp.notifyResourceUpdated('memo://note'); return 'touched' } })
  app.mcp.tool({
    name: 'ask',
    description: 'Asks the client for a name',
    async handler (_args, ctx) {
      const answer = await ctx.elicit({ message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } })
      return `hello ${String(answer.content?.name)}`
    }
  })
  app.mcp.tool({
    name: 'count',
    description: 'Progress 1 to 10, one every 100 ms, then "counted"',
    async handler (_args, ctx) {
      for (let i = 1; i <= 10; i++) {
        ctx.progress(i, 10)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      return 'counted'
    }
  })
  app.mcp.tool({
    name: 'wait',
    description: 'Waits until cancelled',
    handler: (_args, ctx) => new Promise((_resolve, reject) => {
      started.resolve()
      ctx.signal.addEventListener('abort', () => { cancelled.resolve(String((ctx.signal.reason as Error)?.message ?? ctx.signal.reason)); reject(ctx.signal.reason) })
    })
  })
  app.mcp.resource({ uri: 'memo://note', name: 'note', description: 'A note', read: () => ({ text: 'hello' }) })
}

t.test('two instances share legacy sessions and change events through Redis', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const config = { redisUrl: redis.url, plugins: [{ plugin, name: 'memo' }] }
  const a: TestServer = await startTestServer(t, config)
  const b: TestServer = await startTestServer(t, config)

  const session = await legacyInitialize(a.url)
  const listed = await legacyRequest(b.url, session, 'tools/list')
  t.equal(listed.status, 200, 'a session opened on A is served by B')
  t.ok(listed.response.result.tools.some((tool: { name: string }) => tool.name === 'touch'), 'with the plugin\'s tools')

  // The session's GET stream is held on A; the update is published on B.
  const controller = new AbortController()
  t.teardown(() => controller.abort())
  const stream = await fetch(a.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION }, signal: controller.signal })
  t.equal(stream.status, 200, 'GET stream open on A')
  let received = ''
  const reading = (async () => {
    const decoder = new TextDecoder()
    try {
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) received += decoder.decode(chunk)
    } catch {}
  })()
  await new Promise((resolve) => setTimeout(resolve, 200))
  // Subscribed through B after A loaded the session for its stream: A must not go by a stale copy.
  const subscribed = await legacyRequest(b.url, session, 'resources/subscribe', { uri: 'memo://note' })
  t.equal(subscribed.status, 200, 'subscribed through B')
  const touched = await legacyRequest(b.url, session, 'tools/call', { name: 'touch', arguments: {} })
  t.match(touched.response, { result: { content: [{ text: 'touched' }] } }, 'the tool ran on B')
  await until(() => received.includes('notifications/resources/updated'), 5000, 'the update on A\'s stream')
  t.match(received, /"uri":"memo:\/\/note"/, 'the update published on B reached the stream held on A')

  const deleted = await fetch(b.url, { method: 'DELETE', headers: { 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION } })
  t.equal(deleted.status, 200, 'DELETE on B')
  await within(reading, 5000, 'A to end the stream of the deleted session')
  t.pass('A ended the GET stream of the session deleted on B')
  const after = await legacyRequest(a.url, session, 'tools/list')
  t.equal(after.status, 404, 'the session is gone on A too')
})

/** Reads SSE events from a fetch Response as they come; `next(match)` resolves with the first JSON message matching. */
function sseReader (res: Response) {
  const messages: any[] = []
  let buffer = ''
  const done = (async () => {
    const decoder = new TextDecoder()
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk)
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const event = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('')
          if (data !== '') messages.push(JSON.parse(data))
        }
      }
    } catch {}
  })()
  return {
    messages,
    done,
    async next (match: (message: any) => boolean, what: string): Promise<any> {
      await until(() => messages.some(match), 10_000, what)
      return messages.find(match)
    }
  }
}

t.test('a legacy client\'s answer or cancellation POSTed to another instance reaches the instance waiting for it', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const config = { redisUrl: redis.url, plugins: [{ plugin, name: 'memo' }] }
  const a = await startTestServer(t, config)
  const b = await startTestServer(t, config)
  const session = await legacyInitialize(a.url, { elicitation: {} })
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION }

  const call = await fetch(a.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'ask', arguments: {} } }) })
  const stream = sseReader(call)
  const question = await stream.next((m) => m.method === 'elicitation/create', 'the elicitation request')
  const answered = await fetch(b.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { name: 'Ada' } } }) })
  t.equal(answered.status, 202, 'B accepts the answer')
  const result = await stream.next((m) => m.id === 7, 'the tool result')
  t.match(result, { result: { content: [{ text: 'hello Ada' }] } }, 'the tool on A got the answer POSTed to B')
  await stream.done

  // The answer's headers come with its first message: the tool starting is the signal to cancel.
  const waiting = fetch(a.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'wait', arguments: {} } }) })
  await within(started.promise, 10_000, 'the tool to start on A')
  const cancel = await fetch(b.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 8, reason: 'changed my mind' } }) })
  t.equal(cancel.status, 202, 'B accepts the cancellation')
  t.match(await within(cancelled.promise, 10_000, 'the cancellation on A'), /changed my mind/, 'the call on A was cancelled from B')
  const waitStream = sseReader(await waiting)
  await within(waitStream.done, 10_000, 'A to end the cancelled request\'s answer')
  t.notOk(waitStream.messages.some((m) => m.id === 8), 'a cancelled request gets no answer')
})

t.test('a legacy stream broken on one instance resumes on another with Last-Event-ID, and nothing is lost', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const config = { redisUrl: redis.url, plugins: [{ plugin, name: 'memo' }] }
  const a = await startTestServer(t, config)
  const b = await startTestServer(t, config)
  const session = await legacyInitialize(a.url)
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION }

  const controller = new AbortController()
  const call = await fetch(a.url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'count', arguments: {}, _meta: { progressToken: 'p' } } }),
    signal: controller.signal
  })
  // Read the raw frames to know the last event id before the connection drops.
  const reader = (call.body as ReadableStream<Uint8Array>).getReader()
  let text = ''
  while ((text.match(/notifications\/progress/g) ?? []).length < 3) text += new TextDecoder().decode((await reader.read()).value)
  controller.abort()
  const before = text.split('\n\n').filter((frame) => frame.includes('data:') && frame.includes('progress'))
  const lastId = [...text.matchAll(/^id: (.+)$/gm)].at(-1)![1]
  const seen = before.map((frame) => JSON.parse(frame.split('data:')[1]).params.progress as number)

  const resumed = await fetch(b.url, { headers: { ...headers, 'last-event-id': lastId } })
  t.equal(resumed.status, 200, 'B resumes the stream that A serves')
  const rest = sseReader(resumed)
  await within(rest.done, 10_000, 'the resumed stream to end with the response')
  const after = rest.messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress as number)
  t.same([...seen, ...after], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], `every progress event once, in order (${seen.length} before the break, ${after.length} after)`)
  t.match(rest.messages.at(-1), { id: 9, result: { content: [{ text: 'counted' }] } }, 'then the response, followed from the store as A appended it')
})

t.test('tasks: created on one instance, polled, answered and cancelled through another', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const stopped = deferred<string>()
  const tasksPlugin = async (app: any) => {
    app.mcp.tool({
      name: 'asker',
      description: 'A task that asks for a name, then greets',
      taskSupport: 'required',
      async handler (_args: unknown, ctx: any) {
        await new Promise((resolve) => setTimeout(resolve, 50)) // then it is a task: the question goes through tasks/update
        const answer = await ctx.elicit({ message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } })
        return `hello ${String(answer.content?.name)}`
      }
    })
    app.mcp.tool({
      name: 'waiter',
      description: 'A task that runs until cancelled',
      taskSupport: 'required',
      handler: (_args: unknown, ctx: any) => new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => { stopped.resolve(String(ctx.signal.reason?.message ?? ctx.signal.reason)); reject(ctx.signal.reason) })
      })
    })
  }
  const config = { redisUrl: redis.url, plugins: [{ plugin: tasksPlugin, name: 'jobs' }] }
  const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} }
  const a = createInjectClient(await buildTestApp(t, config), { capabilities: TASKS })
  const b = createInjectClient(await buildTestApp(t, config), { capabilities: TASKS })

  const created = await a.callTool('asker', {})
  t.equal(created.resultType, 'task', 'the call on A became a task')
  let task: any
  for (let i = 0; i < 100 && task?.status !== 'input_required'; i++) {
    task = await b.request('tasks/get', { taskId: created.taskId })
    if (task.status !== 'input_required') await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.equal(task.status, 'input_required', 'B sees the question the task on A asks')
  const [key] = Object.keys(task.inputRequests)
  await b.request('tasks/update', { taskId: created.taskId, inputResponses: { [key]: { action: 'accept', content: { name: 'Ada' } } } })
  for (let i = 0; i < 100 && task.status !== 'completed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    task = await b.request('tasks/get', { taskId: created.taskId })
  }
  t.match(task, { status: 'completed', result: { content: [{ text: 'hello Ada' }] } }, 'the answer sent to B reached the handler on A')

  const long = await a.callTool('waiter', {})
  await b.request('tasks/cancel', { taskId: long.taskId })
  t.match(await within(stopped.promise, 10_000, 'the handler on A to stop'), /cancelled/, 'tasks/cancel on B stopped the handler on A')
  t.match(await a.request('tasks/get', { taskId: long.taskId }), { status: 'cancelled' })
})

t.test('a principal\'s rate limit holds across instances sharing Redis', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const secret = 'rate-limit-test-secret-0123456789abcdef'
  const audience = 'https://mcp.example/mcp'
  const config = { redisUrl: redis.url, jwtSecret: secret, auth: { audience }, limits: { rateLimitPerMinute: 5, rateLimitIpPerMinute: 1000 } }
  const { createSigner } = await import('fast-jwt')
  const token = createSigner({ key: secret, expiresIn: 60_000, aud: audience })({ sub: 'carol' })
  const apps = [await buildTestApp(t, config), await buildTestApp(t, config)]
  const statuses: number[] = []
  for (let i = 0; i < 8; i++) {
    const app = apps[i % 2]
    const res = await app.inject({ method: 'POST', url: '/mcp', headers: { ...modernHeaders('tools/list'), authorization: `Bearer ${token}` }, payload: { jsonrpc: '2.0', id: i, method: 'tools/list', params: { _meta: modernEnvelope() } } })
    statuses.push(res.statusCode)
  }
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429, 429], 'five requests spread over two instances, then 429 on both')
})
