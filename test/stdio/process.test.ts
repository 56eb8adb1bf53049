/**
 * `mcp-platform --stdio` as a process: stdout carries only MCP messages (one
 * JSON object a line), logs go to stderr, closing stdin exits 0, SIGTERM
 * lets the call in flight answer and exits 0, bad lines get JSON-RPC errors
 * and the connection goes on. Also the request line at LOG_LEVEL=debug,
 * LOG_FORMAT, and `--help`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { LEGACY_VERSION, META, MODERN_VERSION } from '@mcp-platform/server/testing'
import { FROM_SOURCES, ROOT } from '../helpers/server-process.ts'

interface StdioProcess {
  child: ChildProcess
  /** Every stdout line, parsed (a line that is not JSON fails the test). */
  messages: any[]
  stderr: () => string
  send (message: unknown): void
  /** The response with this id, once it arrives. */
  response (id: number | string): Promise<any>
  exit: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

function launch (t: Test, env: Record<string, string> = {}, args: string[] = ['--stdio']): StdioProcess {
  const child = spawn(process.execPath, [...FROM_SOURCES, ...args], {
    cwd: ROOT,
    // Only the calculator: the other plugins are not what these tests are about.
    env: { ...process.env, MCP_CONFIG: 'test/stdio/calculator.config.ts', LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exit
  })
  const messages: any[] = []
  const waiting = new Map<number | string, (message: any) => void>()
  let buffer = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    const lines = buffer.split('\n')
    buffer = lines.pop()!
    for (const line of lines) {
      let message: any
      try {
        message = JSON.parse(line)
      } catch {
        t.fail(`stdout has a line that is not an MCP message: ${line}`)
        continue
      }
      messages.push(message)
      if (message.id !== undefined) waiting.get(message.id)?.(message)
    }
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  return {
    child,
    messages,
    stderr: () => stderr,
    send: (message) => { child.stdin!.write((typeof message === 'string' ? message : JSON.stringify(message)) + '\n') },
    response: async (id) => {
      const seen = messages.find((message) => message.id === id)
      if (seen !== undefined) return seen
      return await new Promise((resolve) => { waiting.set(id, resolve) })
    },
    exit
  }
}

const modernMeta = { [META.protocolVersion]: MODERN_VERSION, [META.clientCapabilities]: {} }
const call = (id: number, name: string, args: Record<string, unknown>) =>
  ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: modernMeta } })

t.test('both eras on one process; closing stdin exits 0; logs only on stderr', async (t) => {
  const server = launch(t)
  server.send({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: modernMeta } })
  const discover = await server.response(1)
  t.ok(discover.result.supportedVersions.includes(MODERN_VERSION), 'server/discover answers with the modern versions')
  server.send(call(2, 'calculate', { expression: '6 * 7' }))
  t.same((await server.response(2)).result.structuredContent, { result: 42 }, 'a modern tools/call')
  server.send({ jsonrpc: '2.0', id: 3, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })
  t.equal((await server.response(3)).result.protocolVersion, LEGACY_VERSION, 'initialize answers')
  server.send({ jsonrpc: '2.0', method: 'notifications/initialized' })
  server.send({ jsonrpc: '2.0', id: 4, method: 'tools/list' })
  t.ok((await server.response(4)).result.tools.some((tool: { name: string }) => tool.name === 'calculate'), 'a legacy tools/list on the session')
  server.send({ jsonrpc: '2.0', id: 5, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {} } })
  t.ok((await server.response(5)).error, 'a second initialize on the connection is refused')

  server.child.stdin!.end()
  const { code } = await server.exit
  t.equal(code, 0, 'exits 0 once stdin is closed')
  t.match(server.stderr(), /MCP server ready on stdio/, 'logs go to stderr')
  t.match(server.stderr(), /stdio: input closed: shutting down/)
  t.ok(server.messages.every((message) => message.jsonrpc === '2.0'), 'stdout held only JSON-RPC messages')
})

t.test('a plugin\'s console.log goes to stderr: stdout stays MCP messages only', async (t) => {
  const server = launch(t, { MCP_PLUGINS: './test/fixtures/noisy' })
  server.send(call(1, 'noisy', {}))
  t.equal((await server.response(1)).result.content[0].text, 'quiet')
  server.child.stdin!.end()
  t.equal((await server.exit).code, 0)
  t.match(server.stderr(), /noisy plugin: registering[\s\S]*noisy plugin: called/, 'both lines on stderr')
  t.same(server.messages.map((message) => message.id), [1], 'stdout: the one answer, nothing else')
})

t.test('SIGTERM: the call in flight still answers, then the process exits 0', async (t) => {
  const server = launch(t, { MCP_PLUGINS: './test/fixtures/slow-tool' })
  server.send(call(1, 'sleep', { ms: 1500 }))
  // Lines are served in order: once the call behind it has answered, the sleep is in flight.
  server.send(call(2, 'calculate', { expression: '1' }))
  await server.response(2)
  server.child.kill('SIGTERM')
  const answer = await server.response(1)
  t.equal(answer.result?.content?.[0]?.text, 'slept 1500', 'the call in flight was answered before the exit')
  const { code, signal } = await server.exit
  t.equal(signal, null, 'not killed by the signal')
  t.equal(code, 0, 'a clean shutdown exits 0')
  t.match(server.stderr(), /SIGTERM received: shutting down/)
})

t.test('bad lines get JSON-RPC errors and the connection goes on', async (t) => {
  const server = launch(t, { MCP_WS_MAX_MESSAGE_BYTES: '2048' })
  server.send('not json')
  server.send('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calculate","arguments":{"expression":"' + '1+'.repeat(2000) + '1"}}}')
  server.send('')
  // A line ending in \r\n (Windows clients) is one message.
  server.send(JSON.stringify(call(2, 'calculate', { expression: '2 + 2' })) + '\r')
  const answer = await server.response(2)
  t.same(answer.result.structuredContent, { result: 4 }, 'served after the bad lines')
  const errors = server.messages.filter((message) => message.id === null)
  t.equal(errors.length, 2, 'one error for each bad line, none for the blank one')
  t.equal(errors[0].error.code, -32700, 'not JSON: parse error')
  t.equal(errors[1].error.code, -32600, 'over the size limit: invalid request')
  t.match(errors[1].error.message, /at most 2048 bytes \(MCP_WS_MAX_MESSAGE_BYTES\)/)
  server.child.stdin!.end()
  t.equal((await server.exit).code, 0)
})

t.test('LOG_LEVEL=debug: one line per request (method, tool, era, transport, status, duration); JSON off a terminal', async (t) => {
  const server = launch(t, { LOG_LEVEL: 'debug' })
  server.send(call(1, 'calculate', { expression: '3 * 3' }))
  await server.response(1)
  server.send(call(2, 'no_such_tool', {}))
  await server.response(2)
  server.child.stdin!.end()
  await server.exit
  const lines = server.stderr().trim().split('\n').map((line) => JSON.parse(line))
  const requests = lines.filter((line) => line.method === 'tools/call' && line.level === 20)
  t.equal(requests.length, 2, 'one debug line per request')
  t.match(requests[0], { tool: 'calculate', era: 'modern', transport: 'stdio', status: 'ok', durationMs: Number, msg: /^tools\/call calculate: ok in [\d.]+ ms$/ })
  t.match(requests[1], { tool: 'no_such_tool', status: 'error', errorCode: Number, msg: /^tools\/call no_such_tool: error -?\d+ in/ })
})

t.test('LOG_LEVEL=info: no request lines', async (t) => {
  const server = launch(t)
  server.send(call(1, 'calculate', { expression: '1' }))
  await server.response(1)
  server.child.stdin!.end()
  await server.exit
  t.notMatch(server.stderr(), /tools\/call calculate: ok/)
})

t.test('LOG_FORMAT=pretty: readable lines, not JSON', async (t) => {
  const server = launch(t, { LOG_FORMAT: 'pretty' })
  server.child.stdin!.end()
  t.equal((await server.exit).code, 0)
  const ready = server.stderr().split('\n').find((line) => line.includes('MCP server ready on stdio'))
  t.ok(ready, 'the ready line is there')
  t.match(ready, /INFO.*MCP server ready on stdio/, 'level name and message, pino-pretty style')
  t.throws(() => JSON.parse(ready!), 'not a JSON line')
})

t.test('--help prints the usage and exits 0; an unknown argument exits 2', async (t) => {
  const run = promisify(execFile)
  const { stdout } = await run(process.execPath, [...FROM_SOURCES, '--help'], { cwd: ROOT })
  t.match(stdout, /Usage: mcp-platform \[--stdio \| --http\]/)
  t.match(stdout, /MCP_PLUGINS/)
  const failed = await run(process.execPath, [...FROM_SOURCES, '--bogus'], { cwd: ROOT }).then(() => undefined, (error: { code: number, stderr: string }) => error)
  t.equal(failed?.code, 2)
  t.match(failed?.stderr, /unknown argument "--bogus"/)
})
