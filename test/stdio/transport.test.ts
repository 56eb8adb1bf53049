/**
 * The stdio transport in-process, on stream pairs instead of a process's
 * stdin/stdout: framing across chunks, the size limit on a line without its
 * newline yet, the in-flight cap, a broken output.
 */
import { PassThrough } from 'node:stream'
import t, { type Test } from 'tap'
import { buildTestApp, META, MODERN_VERSION, until } from '@mcp-platform/server/testing'
import { StdioConnection } from '../../apps/server/src/transports/stdio/transport.ts'
import calculator from '../../plugins/calculator/src/index.ts'
import slowTool from '../fixtures/slow-tool/index.ts'

const meta = { [META.protocolVersion]: MODERN_VERSION, [META.clientCapabilities]: {} }
const call = (id: number, name: string, args: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: meta } })

async function connect (t: Test, limits: { maxMessageBytes?: number, maxInFlight?: number } = {}) {
  const app = await buildTestApp(t, { plugins: [{ plugin: calculator }, { plugin: slowTool }] })
  const input = new PassThrough()
  const output = new PassThrough()
  const messages: any[] = []
  let buffer = ''
  output.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    const lines = buffer.split('\n')
    buffer = lines.pop()!
    for (const line of lines) messages.push(JSON.parse(line))
  })
  const connection = new StdioConnection({
    core: app.mcpCore, input, output, logger: app.log, maxMessageBytes: limits.maxMessageBytes ?? 4096, maxInFlight: limits.maxInFlight ?? 10
  })
  t.teardown(() => { connection.close('test over') })
  return { app, input, output, messages, connection }
}

t.test('a message split over chunks, and several in one chunk', async (t) => {
  const { input, messages } = await connect(t)
  const first = call(1, 'calculate', { expression: '1 + 1' })
  input.write(first.slice(0, 10))
  input.write(first.slice(10, 30))
  input.write(first.slice(30) + '\n' + call(2, 'calculate', { expression: '2 + 2' }) + '\n' + call(3, 'calculate', { expression: '3 + 3' }))
  input.write('\n')
  await until(() => messages.length === 3, 10_000, 'three answers')
  t.same(messages.map((m) => [m.id, m.result.structuredContent.result]).sort(), [[1, 2], [2, 4], [3, 6]])
})

t.test('a line over the limit is refused before its newline arrives, and skipped up to it', async (t) => {
  const { input, messages } = await connect(t, { maxMessageBytes: 1024 })
  input.write('{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"x":"' + 'a'.repeat(2000))
  await until(() => messages.length === 1, 10_000, 'the refusal')
  t.match(messages[0], { id: null, error: { code: -32600, message: /at most 1024 bytes/ } }, 'refused while the line is still open')
  input.write('b'.repeat(5000) + '"}}\n' + call(1, 'calculate', { expression: '5 * 5' }) + '\n')
  await until(() => messages.length === 2, 10_000, 'the next answer')
  t.same(messages[1].result.structuredContent, { result: 25 }, 'the rest of the long line was dropped, the next line served')
})

t.test('at the in-flight cap stdin is paused until an answer frees a slot', async (t) => {
  const { input, messages } = await connect(t, { maxInFlight: 2 })
  input.write(call(1, 'sleep', { ms: 300 }) + '\n' + call(2, 'sleep', { ms: 300 }) + '\n')
  await until(() => input.isPaused(), 10_000, 'reading paused at the cap')
  input.write(call(3, 'calculate', { expression: '7' }) + '\n')
  await until(() => messages.length === 3, 10_000, 'every answer')
  const order = messages.map((m) => m.id)
  t.ok(order.indexOf(3) > order.indexOf(1), `the request sent at the cap was read once a slot freed (answers: ${order.join(', ')})`)
  t.notOk(input.isPaused(), 'reading resumed')
})

t.test('a broken output ends the connection ("output failed") and cancels what is in flight', async (t) => {
  const { input, output, connection, app } = await connect(t)
  input.write(call(1, 'sleep', { ms: 10_000 }) + '\n')
  await until(() => app.mcpCore.calls.size === 1, 10_000, 'the call in flight')
  output.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
  t.equal(await connection.ended, 'output failed')
  await until(() => app.mcpCore.calls.size === 0, 10_000, 'the call cancelled')
  t.pass('the call in flight was cancelled')
})

t.test('end of input resolves ended with "input closed"', async (t) => {
  const { input, connection } = await connect(t)
  input.end()
  t.equal(await connection.ended, 'input closed')
})
