/** Prototype keys in a WebSocket frame are refused as on HTTP, and never reach an object's prototype. */
import t from 'tap'
import { modernEnvelope, startTestServer } from '@mcp-platform/server/testing'
import calculator from '../../plugins/calculator/src/index.ts'

t.test('"__proto__" and "constructor.prototype" keys: valid JSON, refused as invalid params naming the key; the connection serves on', async (t) => {
  const server = await startTestServer(t, { plugins: [{ plugin: calculator }] })
  const ws = new WebSocket(server.wsUrl, 'mcp')
  t.teardown(() => ws.close())
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject })
  const messages: any[] = []
  let wake: (() => void) | undefined
  ws.onmessage = (event) => { messages.push(JSON.parse(String(event.data))); wake?.() }
  const next = async () => {
    while (messages.length === 0) await new Promise<void>((resolve) => { wake = resolve })
    return messages.shift()
  }
  const meta = JSON.stringify(modernEnvelope())
  ws.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calculate","arguments":{"expression":"1+1"},"inputResponses":{"__proto__":{"action":"accept"}},"requestState":"x","_meta":${meta}}}`)
  const poisoned = await next()
  t.equal(poisoned.error?.code, -32602, 'invalid params, not a parse error')
  t.equal(poisoned.id, 1, 'for that request id')
  t.match(poisoned.error?.message, /holds a "__proto__" key/)
  ws.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"constructor":{"prototype":{"polluted":true}},"_meta":${meta}}}`)
  const ctor = await next()
  t.equal(ctor.error?.code, -32602, 'constructor.prototype too')
  t.match(ctor.error?.message, /"constructor\.prototype" key/)
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'nothing was polluted')
  ws.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"calculate","arguments":{"expression":"2+3"},"_meta":${meta}}}`)
  t.equal((await next()).result?.structuredContent.result, 5, 'the connection still serves')
})
