/**
 * An isolated plugin's ctx.elicit, ctx.sample and ctx.progress with a legacy
 * (2025-11-25) client, the official SDK 1.x over a real port: the host asks
 * the client on the call's stream, the answer travels back into the worker.
 */
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { CallToolResultSchema, CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { startTestServer } from '../../apps/server/src/testing/index.ts'
import { ROOT } from '../helpers/server-process.ts'

t.test('legacy era: elicitation, sampling and progress from a worker-isolated plugin', async (t) => {
  const { url } = await startTestServer(t, { plugins: [{ module: './test/fixtures/misbehaving', isolate: 'worker', limits: { concurrency: 1 } }] }, { cwd: ROOT })
  const client = new Client({ name: 'legacy-client', version: '1.0.0' }, { capabilities: { elicitation: {}, sampling: {} } })
  const asked: string[] = []
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(String(request.params.message))
    return { action: 'accept', content: { name: 'Ada' } }
  })
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', content: { type: 'text', text: 'hi there' }, model: 'test-model' }))
  await client.connect(new StreamableHTTPClientTransport(url))
  t.teardown(() => client.close())

  const progress: Array<{ progress: number, message?: string }> = []
  const chatty = await client.callTool({ name: 'chatty', arguments: {} }, CallToolResultSchema, { onprogress: (p) => { progress.push({ progress: p.progress, message: p.message }) } })
  t.same(chatty.content, [{ type: 'text', text: 'hello Ada' }], 'the client\'s answer reached the worker')
  t.same(asked, ['Your name?'], 'the client was asked once, on the call\'s stream')
  t.same(progress, [{ progress: 1, message: 'halfway' }, { progress: 2, message: 'done' }], 'progress from the worker reached the client')
  const sampled = await client.callTool({ name: 'ask_model', arguments: {} })
  t.same(sampled.content, [{ type: 'text', text: 'the model said: hi there' }], 'ctx.sample crosses too')
})
