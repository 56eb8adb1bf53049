/**
 * The smaller holes a hostile client found, each closed: prototype names in
 * completion, duplicate request ids in a legacy HTTP session, session ids
 * and oversized client values in logs, a Host header with several values,
 * and an oversized header block answered without `Connection: close`.
 */
import { connect } from 'node:net'
import { PassThrough } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { createInjectClient, legacyInitialize, legacyRequest, McpRequestError, rawPost, startTestServer } from '@mcp-platform/server/testing'
import slowTool from '../fixtures/slow-tool/index.ts'

const prompts: FastifyPluginAsync = async (app) => {
  app.mcp.prompt({
    name: 'describe',
    description: 'Describes a table',
    arguments: Type.Object({ table: Type.String() }),
    complete: { table: (prefix) => ['customers', 'orders'].filter((name) => name.startsWith(prefix)) },
    handler: ({ table }) => `Describe ${table}`
  })
}

t.test('completion/complete: a null ref, prototype names and odd context are clean -32602s or empty answers, never 500s', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: prompts }] })
  const mcp = createInjectClient(server.app)
  for (const ref of [null, 'ref/prompt', [], 42]) {
    await t.rejects(mcp.request('completion/complete', { ref, argument: { name: 'table', value: '' } }), { code: -32602 }, `ref ${JSON.stringify(ref)}`)
  }
  for (const name of ['isPrototypeOf', 'constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    const answer = await mcp.complete({ type: 'ref/prompt', name: 'describe' }, { name, value: '' })
    t.same(answer.completion, { values: [], hasMore: false }, `argument "${name}" has no completer`)
  }
  await t.rejects(mcp.complete({ type: 'ref/prompt', name: 'describe' }, { name: 'table', value: 'c' }, { arguments: 'x' }), { code: -32602, message: /context\.arguments/ })
  const real = await mcp.complete({ type: 'ref/prompt', name: 'describe' }, { name: 'table', value: 'c' }, { arguments: { constructor: 'x' } })
  t.same(real.completion.values, ['customers'], 'a real completer still answers')
  await t.rejects(mcp.complete({ type: 'ref/prompt', name: 'constructor' }, { name: 'table', value: '' }), McpRequestError)
})

t.test('a legacy HTTP session refuses a second request with an id already in flight', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: slowTool }] })
  const session = await legacyInitialize(server.url)
  const call = (ms: number) => rawPost(server.url, { jsonrpc: '2.0', id: 'same', method: 'tools/call', params: { name: 'sleep', arguments: { ms } } },
    { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' })
  const first = call(300)
  while (server.app.mcpCore.calls.size === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const second = await call(0)
  t.equal(second.response.error?.code, -32600)
  t.match(second.response.error?.message, /id "same" is already used by a request in flight/)
  t.equal((await first).response.result.content[0].text, 'slept 300', 'the first request is unharmed')
  const again = await call(0)
  t.equal(again.response.result.content[0].text, 'slept 0', 'the id is free again once answered')
})

t.test('logs: session ids only as a digest, client values clipped', async (t) => {
  const lines: string[] = []
  const stream = new PassThrough()
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)))
  const server = await startTestServer(t, { logLevel: 'info' }, { logStream: stream })
  const huge = 'x'.repeat(3000)
  const init = await rawPost(server.url, {
    jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: huge, version: '1' } }
  })
  const id = init.headers.get('mcp-session-id') as string
  await legacyRequest(server.url, id, 'ping')
  await fetch(server.url, { method: 'DELETE', headers: { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' } })
  await rawPost(server.url, {}, { origin: `https://${'e'.repeat(16_000)}.example` })
  const log = lines.join('\n')
  t.ok(lines.some((line) => line.includes('session initialized')), 'the session was logged')
  t.notOk(log.includes(id), 'the session id itself appears in no log line')
  t.match(log, /"session":"s:[0-9a-f]{12}"/, 'a digest stands for it')
  t.ok(lines.every((line) => line.length < 2000), `no line is huge (longest ${Math.max(...lines.map((line) => line.length))} characters)`)
  t.match(log, /\(30\d\d characters\)/, 'clipped values say how long they were')
})

t.test('a Host header with several values or a list is refused', async (t) => {
  const server = await startTestServer(t)
  for (const host of ['127.0.0.1:1, evil.example', '127.0.0.1 evil.example', 'localhost:80/evil']) {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.end(`POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`)
      })
      let data = ''
      socket.on('data', (chunk) => { data += chunk.toString() })
      socket.on('close', () => resolve(data))
    })
    t.match(answer, /^HTTP\/1\.1 400/, `"${host}": 400`)
    t.match(answer, /the Host header must hold one host name/)
  }
})

t.test('headers too large: 431 with Connection: close and a JSON-RPC error', async (t) => {
  const server = await startTestServer(t)
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(server.port, '127.0.0.1', () => {
      socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    })
    let data = ''
    socket.on('data', (chunk) => { data += chunk.toString() })
    socket.on('close', () => resolve(data))
    socket.on('error', () => resolve(data))
  })
  t.match(answer, /^HTTP\/1\.1 431 /)
  t.match(answer, /\r\nConnection: close\r\n/i)
  t.match(answer, /"code":-32600.*Request Header Fields Too Large/)
  t.equal((await fetch(server.url.toString().replace('/mcp', '/health'))).status, 200, 'the server serves on')
})
