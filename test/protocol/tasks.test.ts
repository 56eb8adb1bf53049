/**
 * Tasks (the tasks extension) through the core: -32021 without the
 * extension, tasks bound to their principal, the caps per client and in
 * total, results dropped after taskTtlMs, and notifications/tasks on a
 * subscriptions/listen stream.
 */
import { Type } from '@sinclair/typebox'
import t from 'tap'
import { buildTestApp, createInjectClient, McpRequestError, modernEnvelope, modernRequest, startTestServer } from '@mcp-platform/server/testing'

const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } }

const plugin = async (app: any) => {
  app.mcp.tool({
    name: 'job',
    description: 'Always a task; answers after ms',
    taskSupport: 'required',
    input: Type.Object({ ms: Type.Integer({ minimum: 0 }) }),
    async handler ({ ms }: { ms: number }) {
      await new Promise((resolve) => setTimeout(resolve, ms))
      return `done after ${ms}`
    }
  })
}

async function settle (client: ReturnType<typeof createInjectClient>, taskId: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const task = await client.request('tasks/get', { taskId })
    if (task.status !== 'working') return task
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the task never finished')
}

t.test('without the extension: -32021 naming it; tasks/* refused the same way', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin }] })
  const plain = createInjectClient(app)
  const refused = await plain.callTool('job', { ms: 0 }).catch((error: McpRequestError) => error)
  t.equal((refused as McpRequestError).code, -32021)
  t.same((refused as McpRequestError).data, { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } })
  const get = await plain.request('tasks/get', { taskId: 'x' }).catch((error: McpRequestError) => error)
  t.equal((get as McpRequestError).code, -32021)
  const discovered = await plain.request('server/discover')
  t.same(discovered.capabilities.extensions, { 'io.modelcontextprotocol/tasks': {} }, 'server/discover advertises the extension')
})

t.test('a task is its principal\'s: another caller (or a made-up id) gets -32602', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin }], jwtSecret: 'tasks-test-secret-0123456789abcdef', auth: { audience: 'https://mcp.example/mcp' } })
  const { createSigner } = await import('fast-jwt')
  const sign = createSigner({ key: 'tasks-test-secret-0123456789abcdef', expiresIn: 60_000, aud: 'https://mcp.example/mcp' })
  const alice = createInjectClient(app, { capabilities: TASKS, headers: { authorization: `Bearer ${sign({ sub: 'alice' })}` } })
  const bob = createInjectClient(app, { capabilities: TASKS, headers: { authorization: `Bearer ${sign({ sub: 'bob' })}` } })
  const created = await alice.callTool('job', { ms: 10 })
  t.equal(created.resultType, 'task')
  t.equal((await settle(alice, created.taskId)).result.content[0].text, 'done after 10')
  const foreign = await bob.request('tasks/get', { taskId: created.taskId }).catch((error: McpRequestError) => error)
  t.equal((foreign as McpRequestError).code, -32602, 'bob cannot see alice\'s task')
  t.match((foreign as McpRequestError).message, /Unknown task/)
  const cancel = await bob.request('tasks/cancel', { taskId: created.taskId }).catch((error: McpRequestError) => error)
  t.equal((cancel as McpRequestError).code, -32602, 'nor cancel it')
})

t.test('caps per client and in total; finished tasks are dropped after taskTtlMs, freeing their place', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin }], limits: { maxTasksPerClient: 2, maxTasks: 3, taskTtlMs: 1000 } })
  const client = createInjectClient(app, { capabilities: TASKS })
  const first = await client.callTool('job', { ms: 50 })
  t.equal(first.resultType, 'task')
  await client.callTool('job', { ms: 50 })
  const third = await client.callTool('job', { ms: 50 }).catch((error: McpRequestError) => error)
  t.equal((third as McpRequestError).code, -32603, 'the client\'s third task is refused')
  t.match((third as McpRequestError).message, /already keeps 2 tasks/)
  t.same((third as McpRequestError).data, { limit: 2 })
  t.equal((await settle(client, first.taskId)).status, 'completed')
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const expired = await client.request('tasks/get', { taskId: first.taskId }).catch((error: McpRequestError) => error)
  t.equal((expired as McpRequestError).code, -32602, 'after taskTtlMs the finished task is gone')
  t.equal((await client.callTool('job', { ms: 50 })).resultType, 'task', 'and its place is free again')
})

t.test('notifications/tasks on a subscriptions/listen stream that asked for the task', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin }] })
  const created = await modernRequest(server.url, 'tools/call', { name: 'job', arguments: { ms: 1500 } }, { capabilities: TASKS })
  const taskId = created.response.result.taskId
  const controller = new AbortController()
  const response = await fetch(server.url, {
    method: 'POST',
    signal: controller.signal,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'listen', method: 'subscriptions/listen', params: { notifications: { taskIds: [taskId] }, _meta: modernEnvelope(TASKS) } })
  })
  const reader = response.body!.getReader()
  const giveUp = setTimeout(() => controller.abort(), 15_000)
  let text = ''
  while (!text.includes('"status":"completed"')) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
    if (done) break
    text += new TextDecoder().decode(value)
  }
  clearTimeout(giveUp)
  controller.abort()
  t.match(text, /notifications\/subscriptions\/acknowledged/)
  t.match(text, new RegExp(`"method":"notifications/tasks","params":\\{"taskId":"${taskId}","status":"completed"`))
  t.match(text, /"result":\{"content":\[\{"type":"text","text":"done after 1500"\}\]/, 'the terminal notification inlines the result')
  const noExtension = await modernRequest(server.url, 'subscriptions/listen', { notifications: { taskIds: [taskId] } })
  t.equal(noExtension.response.error.code, -32021, 'asking for task notifications needs the extension')
})
