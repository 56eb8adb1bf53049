/**
 * Plugins loaded isolated (issue 13): the misbehaving test plugin in a worker
 * pool (in the test's own app) and in a sandboxed child process (in a server
 * process started as `npm start` would, with the plugin entry given in
 * MCP_PLUGINS's JSON form). Each misbehaviour gets a clear tool error,
 * `calculate` (in-process) is served all along (its p99 is printed, not
 * asserted: the machine is shared), the plugin's next call works, and in a
 * process nothing it was denied happened. What the same plugin does
 * in-process is in docs/isolation.md (it would end this test run).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, modernRequest } from '../../apps/server/src/testing/index.ts'
import { parseMessages, responseOf } from '../../apps/server/src/testing/sse.ts'
import { modernEnvelope, modernHeaders } from '../../apps/server/src/testing/envelope.ts'
import { ROOT } from '../helpers/server-process.ts'
import { startUnwrappedServer } from '../helpers/unwrapped-server.ts'

const MISBEHAVING = './test/fixtures/misbehaving'
const LIMITS = { memoryMb: 64, cpuMs: 2000, concurrency: 2 }
// How long V8 takes to give up near its heap limit varies a lot on a loaded machine (0.5 to 8 s of busy time here),
// so `hog` (and `echo`, to show its next call works) is loaded a second time as `memory_*`, with a CPU limit it cannot reach first.
const MEMORY_LIMITS = { memoryMb: 64, cpuMs: 60_000, concurrency: 1 }

interface Answer { result: any, error: any, messages: any[] }
type Send = (method: string, params: Record<string, unknown>, options?: { capabilities?: Record<string, unknown>, meta?: Record<string, unknown> }) => Promise<Answer>

/** Modern requests through app.inject(), answered with every message of the answer. */
function injectSender (app: FastifyInstance): Send {
  let id = 1
  return async (method, params, options = {}) => {
    const res = await app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...modernHeaders(method, params) },
      payload: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params: { ...params, _meta: modernEnvelope(options.capabilities, options.meta) } })
    })
    const messages = parseMessages(String(res.headers['content-type'] ?? ''), res.body)
    const response = responseOf(messages)
    return { result: response?.result, error: response?.error, messages }
  }
}

/** The same over HTTP to a server process. */
function httpSender (url: string): Send {
  return async (method, params, options = {}) => {
    const answer = await modernRequest(url, method, params, options)
    return { result: answer.response?.result, error: answer.response?.error, messages: answer.messages }
  }
}

/** Calls `calculate` one after another until stopped, keeping each call's latency. */
function keepCalculating (send: Send): { stop (): Promise<number[]>, failures: string[] } {
  const latencies: number[] = []
  const failures: string[] = []
  const state = { running: true }
  const loop = (async () => {
    while (state.running) {
      const started = performance.now()
      const { result } = await send('tools/call', { name: 'calculate', arguments: { expression: '6 * 7' } })
      latencies.push(performance.now() - started)
      if (result?.structuredContent?.result !== 42) failures.push(JSON.stringify(result))
      // Yield to timers too, so the loop is a steady trickle rather than a flood.
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })()
  return { failures, stop: async () => { state.running = false; await loop; return latencies } }
}

function p99 (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN
}

async function tcpServer (t: Test): Promise<{ port: number, connections: () => number }> {
  let connections = 0
  const server = createServer((socket) => { connections++; socket.end() })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return { port: (server.address() as { port: number }).port, connections: () => connections }
}

/** The whole check for one mode (isolation-worker.test.ts, isolation-process.test.ts: tap runs them side by side). */
export async function checkMisbehaviour (t: Test, isolate: 'worker' | 'process'): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'mcp-isolation-'))
  t.teardown(() => { rmSync(scratch, { recursive: true, force: true }) })
  const tcp = await tcpServer(t)
  let send: Send
  let stopServer: () => Promise<void>
  if (isolate === 'worker') {
    const app = await buildTestApp(t, {
      plugins: [
        { module: '@mcp-platform/calculator' },
        { module: MISBEHAVING, isolate, limits: LIMITS, options: { except: ['hog'] } },
        { module: MISBEHAVING, name: 'misbehaving-memory', isolate, limits: MEMORY_LIMITS, options: { only: ['hog', 'echo'], prefix: 'memory_' } }
      ],
      limits: { toolTimeoutMs: 20_000 }
    }, { cwd: ROOT })
    send = injectSender(app)
    stopServer = async () => { await app.close() }
  } else {
    const server = await startUnwrappedServer(t, {
      MCP_CONFIG: 'test/fixtures/misbehaving/isolated.config.ts',
      MCP_PLUGINS: JSON.stringify([
        { module: MISBEHAVING, isolate, limits: LIMITS, options: { except: ['hog'] }, permissions: { net: ['127.0.0.1'] } },
        { module: MISBEHAVING, name: 'misbehaving-memory', isolate, limits: MEMORY_LIMITS, options: { only: ['hog', 'echo'], prefix: 'memory_' } }
      ])
    })
    send = httpSender(server.url)
    stopServer = server.stop
  }
  const callTool = async (name: string, args: Record<string, unknown> = {}) => (await send('tools/call', { name, arguments: args })).result
  const calculating = keepCalculating(send)

  const echo = async (text: string, tool = 'echo') => {
    const result = await callTool(tool, { text })
    t.equal(result.structuredContent?.text, text, `the plugin's next call works (${text})`)
    return result.structuredContent as { pid: number, client: string, principal: string | null }
  }
  const first = await echo('first')
  t.equal(first.client, 'address:127.0.0.1', 'ctx.client crosses the boundary')
  t.equal(first.principal, null, 'ctx.principal crosses the boundary (none here)')
  if (isolate === 'process') t.not(first.pid, process.pid, 'the plugin runs in another process')
  else t.equal(first.pid, process.pid, 'a worker thread shares the host process')

  const misbehaviours: Array<[string, RegExp]> = isolate === 'worker'
    ? [
        ['spin', /^Tool "spin" used more than its CPU time limit of 2000 ms \(limits\.cpuMs\): its worker was terminated and is being replaced$/],
        ['memory_hog', /^Tool "memory_hog" ran out of memory: its worker reached the heap limit of 64 MiB \(limits\.memoryMb\) and was replaced$/],
        ['exit', /^Tool "exit" ended its worker \(process\.exit\(1\)/],
        ['timer_throw', /^Tool "timer_throw" failed outside its own code path: the plugin threw where no call could catch it \(.*boom from a timer\)/]
      ]
    : [
        ['spin', /^Tool "spin" was stopped: its plugin's process did not respond for over 2000 ms \(limits\.cpuMs; a handler is blocking its event loop\), so it was killed and is being restarted$/],
        ['memory_hog', /^Tool "memory_hog" ran out of memory: its plugin's process reached the heap limit of 64 MiB \(limits\.memoryMb\) and is being restarted$/],
        ['exit', /^Tool "exit" was stopped: its plugin's process exited \(process\.exit\(1\)\) and is being restarted$/],
        ['timer_throw', /^Tool "timer_throw" failed outside its own code path: the plugin threw where no call could catch it \(Error: boom from a timer\), so its process ended and is being restarted$/]
      ]
  for (const [name, expected] of misbehaviours) {
    const result = await callTool(name)
    t.equal(result.isError, true, `${name}: a tool error`)
    t.match(result.content[0].text, expected, `${name}: the error says what happened`)
    await echo(`after ${name}`, name === 'memory_hog' ? 'memory_echo' : 'echo')
  }

  const honored = await callTool('honor_signal')
  t.equal(honored.content[0].text, 'Tool "honor_signal" timed out after 300 ms and was stopped', 'ctx.signal crosses: the handler ended when it aborted')
  const ignored = await callTool('ignore_signal', { ms: 3000 })
  t.match(ignored.content[0].text, isolate === 'worker'
    ? /^Tool "ignore_signal" timed out after 300 ms and was stopped: it ignored ctx\.signal, so its worker was terminated$/
    : /^Tool "ignore_signal" timed out after 300 ms and was abandoned: it did not end when its signal aborted/,
  isolate === 'worker' ? 'a worker that ignores its signal is stopped' : 'a process shared by other calls is not killed for one handler: it is abandoned, and says so')
  await echo('after ignore_signal')

  const file = join(scratch, 'written.txt')
  const marker = join(scratch, 'spawned.txt')
  const written = await callTool('write_file', { path: file })
  const spawned = await callTool('spawn', { marker })
  const denied = await callTool('connect', { host: 'localhost', port: tcp.port })
  const granted = await callTool('connect', { host: '127.0.0.1', port: tcp.port })
  t.same(granted.content, [{ type: 'text', text: `connected to 127.0.0.1:${tcp.port}` }], 'a granted host can be reached')
  if (isolate === 'process') {
    t.match(written.content[0].text, /^Tool "write_file" was refused by its plugin's sandbox: Access to this API has been restricted/)
    t.notOk(existsSync(file), 'the file was not written')
    t.match(spawned.content[0].text, /^Tool "spawn" was refused by its plugin's sandbox: Access to this API has been restricted/)
    t.notOk(existsSync(marker), 'the child process did not run')
    t.match(denied.content[0].text, /^Tool "connect" was refused by its plugin's sandbox: .*connecting to localhost:\d+ is not allowed for this plugin \(granted: 127\.0\.0\.1/)
    t.equal(tcp.connections(), 1, 'only the granted connection reached the server')
  } else {
    // What a worker does not contain: it shares the host's permissions (docs/isolation.md).
    t.ok(existsSync(file) && existsSync(marker), 'a worker may write files and spawn processes, as the host may')
    // "localhost" may resolve to ::1 first, where the test's server does not listen: what matters is that
    // nothing in the worker refused the connection (counting connections made this test depend on the resolver).
    t.notMatch(denied.content[0].text, /refused by its plugin's sandbox/, 'and connect anywhere the host can')
  }

  // The rest of the plugin API crosses too: a resource, a prompt with its completion, elicitation (modern MRTR), progress, logs.
  t.same((await send('resources/read', { uri: 'misbehaving://status' })).result.contents, [{ uri: 'misbehaving://status', text: 'isolated and well' }])
  t.same((await send('prompts/get', { name: 'greet', arguments: { who: 'you' } })).result.messages, [{ role: 'user', content: { type: 'text', text: 'Say hello to you' } }])
  t.same((await send('completion/complete', { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'w' } })).result.completion.values, ['world'])
  const asking = { capabilities: { elicitation: {} } }
  const round = await send('tools/call', { name: 'chatty', arguments: {} }, { ...asking, meta: { progressToken: 'p1', 'io.modelcontextprotocol/logLevel': 'info' } })
  t.equal(round.result.resultType, 'input_required', 'ctx.elicit on the isolated side asks the client')
  t.equal(round.result.inputRequests.name.method, 'elicitation/create')
  t.ok(round.messages.some((m) => m.method === 'notifications/progress' && m.params.progressToken === 'p1' && m.params.message === 'halfway'), 'ctx.progress crosses')
  t.ok(round.messages.some((m) => m.method === 'notifications/message' && m.params.data?.step === 'asking'), 'ctx.log crosses')
  const answered = await send('tools/call', {
    name: 'chatty', arguments: {}, requestState: round.result.requestState, inputResponses: { name: { action: 'accept', content: { name: 'Ada' } } }
  }, asking)
  t.same(answered.result.content, [{ type: 'text', text: 'hello Ada' }], 'the answer reaches the handler')
  const again = await send('tools/call', { name: 'chatty', arguments: {} }, asking)
  const declined = await send('tools/call', { name: 'chatty', arguments: {}, requestState: again.result.requestState, inputResponses: { name: { action: 'decline' } } }, asking)
  t.equal(declined.result.isError, true, 'a ToolError crosses back')
  t.same(declined.result.structuredContent, { action: 'decline' }, 'with its details')

  const latencies = await calculating.stop()
  t.same(calculating.failures, [], 'every calculate call answered 42')
  t.ok(latencies.length > 10, `calculate was served throughout (${latencies.length} calls)`)
  t.comment(`calculate while the ${isolate}-isolated plugin misbehaved: ${latencies.length} calls, p99 ${p99(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`)

  const { pid } = await echo('last')
  await stopServer()
  if (isolate === 'process') t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'stopping the server ends the plugin\'s process')
}
