/**
 * The deployment ops teams run: three server processes (from sources, as
 * `npm start` runs them compiled) sharing a real Redis, behind a real nginx
 * with the deploy kit's proxy block, round robin, no stickiness. Checked
 * with the official SDK clients of both eras:
 *   - a legacy session keeps working over 100 calls spread over all three,
 *     and its DELETE ends it on every instance; a 2026-07-28 client likewise;
 *   - a resource update triggered on one instance reaches a
 *     subscriptions/listen stream and a legacy GET stream held on the others;
 *   - elicitations whose answers land on other instances complete;
 *   - under steady load, one instance is restarted with SIGTERM and another
 *     killed with SIGKILL: every failed call failed with a retryable error,
 *     and the clients carry on.
 * Missing redis-server or nginx: skipped loudly, failed under CI=true.
 */
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client'
import { LEGACY_VERSION, legacyInitialize, legacyRequest, MODERN_VERSION, modernEnvelope, modernHeaders, modernRequest, until } from '@mcp-platform/server/testing'
import { startNginx } from '../helpers/nginx.ts'
import { freePort } from '../helpers/postgres.ts'
import { startRedis } from '../helpers/redis.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

const textOf = (result: any): string => result.content[0].text

/** SSE events of a fetch Response as they come. */
function sseReader (res: Response) {
  const messages: any[] = []
  const done = (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk)
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const data = buffer.slice(0, end).split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('')
          buffer = buffer.slice(end + 2)
          if (data !== '') messages.push(JSON.parse(data))
        }
      }
    } catch {}
  })()
  return { messages, done }
}

/** Errors a client may retry: the balancer found no instance (502/503/504), an instance drained (503), or the connection dropped. */
const RETRYABLE = /HTTP (502|503|504)|fetch failed|ECONNRESET|socket hang up|terminated|other side closed|Service Unavailable|Bad Gateway/i

async function waitUntilReady (ports: number[]): Promise<void> {
  for (const port of ports) {
    for (let i = 0; i < 100; i++) {
      const status = await fetch(`http://127.0.0.1:${port}/ready`).then((res) => res.status, () => 0)
      if (status === 200) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

t.test('three instances behind nginx, round robin, shared state in Redis', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const ports = [await freePort(), await freePort(), await freePort()]
  const env = (i: number) => ({ PORT: String(ports[i]), REDIS_URL: redis.url, MCP_PLUGINS: './test/fixtures/instance', INSTANCE_NAME: `i${i + 1}`, MCP_SHUTDOWN_DRAIN_MS: '3000' })
  const instances: ServerProcess[] = await Promise.all([0, 1, 2].map((i) => startServer(t, env(i))))
  const nginx = await startNginx(t, ports)
  if (nginx === undefined) return
  const endpoint = new URL('/mcp', nginx.url)
  const direct = (i: number) => new URL(`http://127.0.0.1:${ports[i]}/mcp`)
  // As a rollout would: every instance ready before traffic (on a loaded machine a fresh process may shed
  // its first requests, and nginx then rests it for a second).
  await waitUntilReady(ports)
  await new Promise((resolve) => setTimeout(resolve, 1200))

  t.test('a legacy session is served by all three, and its DELETE ends it everywhere', async (t) => {
    const client = new Client({ name: 'legacy-lb', version: '1.0.0' })
    const transport = new StreamableHTTPClientTransport(endpoint)
    await client.connect(transport)
    const served = new Map<string, number>()
    for (let i = 0; i < 100; i++) {
      const name = textOf(await client.callTool({ name: 'whoami', arguments: {} }))
      served.set(name, (served.get(name) ?? 0) + 1)
    }
    t.same([...served.keys()].sort(), ['i1', 'i2', 'i3'], `100 calls of one session, served by every instance (${JSON.stringify(Object.fromEntries(served))})`)
    const session = transport.sessionId as string
    await transport.terminateSession()
    for (const i of [0, 1, 2]) {
      t.equal((await legacyRequest(direct(i), session, 'tools/list')).status, 404, `the session is gone on i${i + 1}`)
    }
    await client.close()
  })

  t.test('a 2026-07-28 client is served by all three', async (t) => {
    const client = new ModernClient({ name: 'modern-lb', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN_VERSION } } })
    await client.connect(new ModernTransport(endpoint))
    const served = new Set<string>()
    for (let i = 0; i < 30; i++) served.add(textOf(await client.callTool({ name: 'whoami', arguments: {} })))
    t.same([...served].sort(), ['i1', 'i2', 'i3'], 'every instance answered')
    await client.close()
  })

  t.test('an update triggered on one instance reaches a listen stream and a legacy GET stream held on the others', async (t) => {
    const controller = new AbortController()
    t.teardown(() => controller.abort())
    // Legacy: a session subscribed to memo://note, its GET stream held on i2.
    const session = await legacyInitialize(direct(1))
    t.equal((await legacyRequest(direct(0), session, 'resources/subscribe', { uri: 'memo://note' })).status, 200, 'subscribed through i1')
    const get = await fetch(direct(1), { headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION }, signal: controller.signal })
    t.equal(get.status, 200, 'GET stream open on i2')
    const legacyStream = sseReader(get)
    // Modern: a subscriptions/listen stream held on i3.
    const listen = await fetch(direct(2), {
      method: 'POST',
      headers: modernHeaders('subscriptions/listen'),
      body: JSON.stringify({ jsonrpc: '2.0', id: 'L', method: 'subscriptions/listen', params: { notifications: { resourceSubscriptions: ['memo://note'] }, _meta: modernEnvelope() } }),
      signal: controller.signal
    })
    const modernStream = sseReader(listen)
    await until(() => modernStream.messages.length > 0, 10_000, 'the listen acknowledgement')
    await new Promise((resolve) => setTimeout(resolve, 300)) // subscriptions reach Redis

    const touched = await legacyRequest(direct(0), await legacyInitialize(direct(0)), 'tools/call', { name: 'touch', arguments: {} })
    t.equal(textOf(touched.response.result), 'i1', 'the update is announced on i1')
    const updated = (m: any) => m.method === 'notifications/resources/updated' && m.params?.uri === 'memo://note'
    await until(() => legacyStream.messages.some(updated), 10_000, 'the update on i2\'s GET stream')
    await until(() => modernStream.messages.some(updated), 10_000, 'the update on i3\'s listen stream')
    t.pass('the GET stream on i2 and the listen stream on i3 both got the update published on i1')
    controller.abort()
  })

  t.test('elicitations complete whichever instance the answer lands on', async (t) => {
    const client = new Client({ name: 'eliciting', version: '1.0.0' }, { capabilities: { elicitation: {} } })
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }))
    await client.connect(new StreamableHTTPClientTransport(endpoint))
    const answers: string[] = []
    // Round robin sends the answer POST to another instance than the call most of the time.
    for (let i = 0; i < 6; i++) answers.push(textOf(await client.callTool({ name: 'ask', arguments: {} })))
    t.ok(answers.every((a) => a.startsWith('hello Ada from i')), 'every elicitation completed')
    t.ok(new Set(answers).size > 1, `asked from several instances: ${answers.join(', ')}`)
    await client.close()
  })

  t.test('a task created on one instance is polled, answered and cancelled through the others', async (t) => {
    const capabilities = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} }
    const call = async (i: number, method: string, params: Record<string, unknown>) => (await modernRequest(direct(i), method, params, { capabilities })).response
    const created = (await call(0, 'tools/call', { name: 'job', arguments: { wait: false } })).result
    t.equal(created.resultType, 'task', 'a task, created on i1')
    let task: any
    for (let i = 0; i < 100 && task?.status !== 'input_required'; i++) {
      task = (await call(1, 'tasks/get', { taskId: created.taskId })).result
      if (task.status !== 'input_required') await new Promise((resolve) => setTimeout(resolve, 50))
    }
    t.equal(task.status, 'input_required', 'polled on i2: the task asks a question')
    const [key] = Object.keys(task.inputRequests)
    t.match(await call(2, 'tasks/update', { taskId: created.taskId, inputResponses: { [key]: { action: 'accept', content: { name: 'Ada' } } } }), { result: {} }, 'answered on i3')
    for (let i = 0; i < 100 && task.status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      task = (await call(1, 'tasks/get', { taskId: created.taskId })).result
    }
    t.match(task, { status: 'completed', result: { content: [{ text: 'job for Ada ran on i1' }] } }, 'the handler on i1 got the answer sent to i3')

    const waiting = (await call(0, 'tools/call', { name: 'job', arguments: { wait: true } })).result
    t.match(await call(2, 'tasks/cancel', { taskId: waiting.taskId }), { result: {} }, 'cancelled on i3')
    t.match((await call(1, 'tasks/get', { taskId: waiting.taskId })).result, { status: 'cancelled' }, 'i2 sees it cancelled')
    const metrics = await (await fetch(`http://127.0.0.1:${ports[0]}/metrics`)).text()
    let running = /mcp_tasks_running (\d+)/.exec(metrics)?.[1]
    for (let i = 0; i < 50 && running !== '0'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      running = /mcp_tasks_running (\d+)/.exec(await (await fetch(`http://127.0.0.1:${ports[0]}/metrics`)).text())?.[1]
    }
    t.equal(running, '0', 'the handler on i1 stopped (no task runs there any more)')
  })

  t.test('rolling restart under load: SIGTERM one instance and bring it back, then SIGKILL another', async (t) => {
    const legacy = new Client({ name: 'steady-legacy', version: '1.0.0' })
    await legacy.connect(new StreamableHTTPClientTransport(endpoint))
    const modern = new ModernClient({ name: 'steady-modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN_VERSION } } })
    await modern.connect(new ModernTransport(endpoint))

    const outcomes = { ok: 0, retryable: 0, other: [] as string[] }
    const control = { running: true }
    const load = (client: { callTool: (params: any) => Promise<any> }, label: string) => (async () => {
      for (let i = 0; control.running; i++) {
        try {
          const result = await client.callTool(i % 2 === 0 ? { name: 'whoami', arguments: {} } : { name: 'sleep', arguments: { ms: 200 } })
          if (result.isError === true) outcomes.other.push(`${label}: tool error ${textOf(result)}`)
          else outcomes.ok++
        } catch (error) {
          const message = String((error as Error).message ?? error)
          if (RETRYABLE.test(message) || /retry/i.test(message)) outcomes.retryable++
          else outcomes.other.push(`${label}: ${message}`)
          await new Promise((resolve) => setTimeout(resolve, 100)) // a client's back-off before retrying
        }
      }
    })()
    const loops = [load(legacy, 'legacy'), load(modern, 'modern'), load(legacy, 'legacy-2')]
    await new Promise((resolve) => setTimeout(resolve, 1000))

    t.equal(await instances[0].stop(), 0, 'i1 drains and exits 0 on SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 1000))
    instances[0] = await startServer(t, env(0))
    await waitUntilReady([ports[0]])
    await new Promise((resolve) => setTimeout(resolve, 1500))
    instances[1].child.kill('SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    instances[1] = await startServer(t, env(1))
    await waitUntilReady([ports[1]])
    await new Promise((resolve) => setTimeout(resolve, 1500))
    control.running = false
    await Promise.all(loops)

    t.comment(`calls: ${outcomes.ok} ok, ${outcomes.retryable} retryable failures, ${outcomes.other.length} other`)
    t.same(outcomes.other, [], 'no call failed with an error a client could not act on')
    t.ok(outcomes.ok > 20, 'the clients kept being served')
    const after = textOf(await legacy.callTool({ name: 'whoami', arguments: {} }))
    t.match(after, /^i[123]$/, 'the legacy session survived both restarts')
    await new Promise((resolve) => setTimeout(resolve, 1200)) // nginx's rest for a failed instance (fail_timeout) is over
    const served = new Set<string>()
    for (let i = 0; i < 12; i++) served.add(textOf(await legacy.callTool({ name: 'whoami', arguments: {} })))
    t.same([...served].sort(), ['i1', 'i2', 'i3'], 'the restarted instances serve the same session again')
    await legacy.close()
    await modern.close()
  })
})
