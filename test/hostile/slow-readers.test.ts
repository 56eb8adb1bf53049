/**
 * A client that asks for a large answer and never reads it is cut off after
 * the write timeout, and its memory freed; other clients are unaffected.
 */
import { connect, type Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { createInjectClient, modernEnvelope, startTestServer, until } from '@mcp-platform/server/testing'

const big: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'big_text',
    description: 'That many characters',
    input: Type.Object({ chars: Type.Integer({ minimum: 0 }) }),
    handler: ({ chars }) => 'x'.repeat(chars)
  })
}

/** Sends one raw modern tools/call and never reads: the socket is paused at once. */
function nonReader (port: number, chars: number): Promise<Socket> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'big_text', arguments: { chars }, _meta: modernEnvelope() } })
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.pause()
      socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n' +
        `MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: big_text\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
      resolve(socket)
    })
    socket.on('error', () => {})
  })
}

t.test('an unread JSON answer: the connection is cut after the write timeout; others keep being served', async (t) => {
  const lines: string[] = []
  const logs = new PassThrough()
  logs.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)))
  const server = await startTestServer(t, { logLevel: 'warn', plugins: [{ plugin: big }], limits: { maxResultBytes: 64 * 1024 * 1024, writeTimeoutMs: 1000 } }, { logStream: logs })
  const sockets = await Promise.all([1, 2, 3].map(async () => await nonReader(server.port, 20_000_000)))
  t.teardown(() => { for (const socket of sockets) socket.destroy() })

  const mcp = createInjectClient(server.app)
  t.equal((await mcp.callTool('big_text', { chars: 10 })).content[0].text, 'xxxxxxxxxx', 'another client is served meanwhile')
  await until(() => lines.some((line) => line.includes('HTTP connection cut off')), 10_000, 'the cut-off log line')
  const open = async () => await new Promise<number>((resolve) => server.app.server.getConnections((_error, count) => resolve(count)))
  const deadline = Date.now() + 10_000
  while (await open() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(await open(), 0, 'the server closed every non-reading connection (and dropped what it had buffered)')
  t.match(lines.join('\n'), /not read within 1000 ms/)
})
