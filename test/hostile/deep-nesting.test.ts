/**
 * Nesting to 100,000 levels, as raw text (JSON.stringify cannot build it: it
 * recurses), in every part of a message, on both transports and in both
 * eras. The server refuses or answers each without crashing: a stack
 * overflow while parsing, checking, logging or serializing must not take
 * the process down, and must not turn into a 5xx or a leaked stack.
 */
import t from 'tap'
import WebSocket from 'ws'
import { LEGACY_VERSION, legacyInitialize, META, MODERN_VERSION, modernEnvelope } from '@mcp-platform/server/testing'
import {
  checkMessage, clip, deepText, healthyHttp, healthyWs, isResponse, leakIn, messagesOf, send, serverErrors, startFuzzServer, tryParse
} from './fuzz-kit.ts'

const LEVELS = [1000, 10_000, 100_000]
const LIMIT = 2 * 1024 * 1024

/** Where the deep value goes: the whole message, or one field of a request (the id is 'deep' unless the id is the deep part). */
function bodies (deep: string, era: 'modern' | 'legacy'): Array<[string, string]> {
  const meta = era === 'modern' ? JSON.stringify(modernEnvelope()) : '{}'
  const request = (method: string, params: string) => `{"jsonrpc":"2.0","id":"deep","method":"${method}","params":${params}}`
  return [
    ['the message', deep],
    ['id', `{"jsonrpc":"2.0","id":${deep},"method":"tools/list","params":{"_meta":${meta}}}`],
    ['jsonrpc', `{"jsonrpc":${deep},"id":"deep","method":"tools/list"}`],
    ['method', `{"jsonrpc":"2.0","id":"deep","method":${deep}}`],
    ['params', request('tools/list', deep)],
    ['_meta', request('tools/list', `{"_meta":${deep}}`)],
    ['the protocol version', request('tools/list', `{"_meta":{"${META.protocolVersion}":${deep},"${META.clientCapabilities}":{}}}`)],
    ['clientCapabilities', request('tools/list', `{"_meta":{"${META.protocolVersion}":"${MODERN_VERSION}","${META.clientCapabilities}":${deep}}}`)],
    ['clientInfo', request('tools/list', `{"_meta":{"${META.protocolVersion}":"${MODERN_VERSION}","${META.clientCapabilities}":{},"${META.clientInfo}":${deep}}}`)],
    ['progressToken', request('tools/list', `{"_meta":{"${META.protocolVersion}":"${MODERN_VERSION}","${META.clientCapabilities}":{},"progressToken":${deep}}}`)],
    ['a tool name', request('tools/call', `{"name":${deep},"arguments":{},"_meta":${meta}}`)],
    ['tool arguments', request('tools/call', `{"name":"calculate","arguments":${deep},"_meta":${meta}}`)],
    ['an argument', request('tools/call', `{"name":"calculate","arguments":{"expression":${deep}},"_meta":${meta}}`)],
    ['a db_query parameter', request('tools/call', `{"name":"db_query","arguments":{"sql":"SELECT ?","params":[${deep}]},"_meta":${meta}}`)],
    ['an unknown argument', request('tools/call', `{"name":"db_list_tables","arguments":{"extra":${deep}},"_meta":${meta}}`)],
    ['a resource uri', request('resources/read', `{"uri":${deep},"_meta":${meta}}`)],
    ['a prompt name', request('prompts/get', `{"name":${deep},"_meta":${meta}}`)],
    ['prompt arguments', request('prompts/get', `{"name":"db_explore","arguments":${deep},"_meta":${meta}}`)],
    ['a completion ref', request('completion/complete', `{"ref":${deep},"argument":{"name":"table","value":""},"_meta":${meta}}`)],
    ['a completion context', request('completion/complete', `{"ref":{"type":"ref/resource","uri":"db://tables/{table}"},"argument":{"name":"table","value":""},"context":${deep},"_meta":${meta}}`)],
    ['a cursor', request('tools/list', `{"cursor":${deep},"_meta":${meta}}`)],
    ['a log level', request(era === 'modern' ? 'tools/list' : 'logging/setLevel', era === 'modern' ? `{"_meta":{"${META.protocolVersion}":"${MODERN_VERSION}","${META.clientCapabilities}":{},"${META.logLevel}":${deep}}}` : `{"level":${deep}}`)],
    ['a cancelled requestId', `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":${deep},"reason":${deep}}}`],
    ['a notification with an id', `{"jsonrpc":"2.0","id":"deep","method":"notifications/cancelled","params":{"requestId":${deep}}}`],
    ['a response result', `{"jsonrpc":"2.0","id":"deep","result":${deep}}`],
    ['a response error', `{"jsonrpc":"2.0","id":"deep","error":${deep}}`],
    ['an extra field', `{"jsonrpc":"2.0","id":"deep","method":"tools/list","params":{"_meta":${meta}},"extra":${deep}}`],
    ['initialize capabilities', `{"jsonrpc":"2.0","id":"deep","method":"initialize","params":{"protocolVersion":"${LEGACY_VERSION}","capabilities":${deep},"clientInfo":${deep}}}`]
  ]
}

const KINDS = ['array', 'object', 'mixed'] as const

t.test('deep nesting, up to 100,000 levels, on both transports', async (t) => {
  const server = await startFuzzServer(t, { bodyLimit: LIMIT, wsMaxMessageBytes: LIMIT })
  const session = await legacyInitialize(server.url)
  const ws = { modern: await openWs(server.wsUrl, false), legacy: await openWs(server.wsUrl, true) }
  t.teardown(() => { ws.modern.close(); ws.legacy.close() })
  const problems: string[] = []
  let sent = 0

  for (const levels of LEVELS) {
    for (const kind of KINDS) {
      const deep = deepText(levels, kind)
      for (const era of ['modern', 'legacy'] as const) {
        for (const [where, body] of bodies(deep, era)) {
          const label = `${levels} levels of ${kind} in ${where} (${era})`
          // HTTP
          const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
          if (era === 'modern') {
            const method = /"method":"([^"]+)"/.exec(body.slice(0, 200))?.[1]
            Object.assign(headers, { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': method ?? 'tools/list' })
            if (method === 'tools/call') headers['mcp-name'] = /"name":"([^"]+)"/.exec(body)?.[1] ?? 'x'
          } else {
            Object.assign(headers, { 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION })
          }
          try {
            const answer = await send(server.url, { method: 'POST', headers, body: Buffer.from(body) })
            sent++
            if (answer.status >= 500) problems.push(`HTTP ${answer.status} ${answer.body.toString().slice(0, 300)}: ${label}`)
            const leak = leakIn(answer.body.toString())
            if (leak !== undefined) problems.push(`HTTP: ${leak}: ${label}`)
            const { messages, problem } = messagesOf(answer)
            if (problem !== undefined) problems.push(`HTTP: ${problem}: ${label}`)
            for (const m of messages) {
              const wrong = checkMessage(m, (id) => id === 'deep')
              if (wrong !== undefined) problems.push(`HTTP: ${wrong}: ${label}`)
            }
          } catch (error) {
            problems.push(`HTTP: no answer (${(error as Error).message}): ${label}`)
          }
          // WebSocket
          const socket = ws[era]
          const before = socket.messages.length
          socket.ws.send(body)
          sent++
          // Owed an answer unless it is a notification or a response; a ping behind it proves the frame was handled.
          const ping = era === 'modern'
            ? { jsonrpc: '2.0', id: `after-${sent}`, method: 'tools/list', params: { _meta: modernEnvelope() } }
            : { jsonrpc: '2.0', id: `after-${sent}`, method: 'ping' }
          socket.ws.send(JSON.stringify(ping))
          try {
            await socket.until((m) => (m as { id?: unknown }).id === ping.id)
          } catch (error) {
            problems.push(`WebSocket: ${(error as Error).message}: ${label}`)
            ws[era] = await openWs(server.wsUrl, era === 'legacy')
            continue
          }
          for (const m of socket.messages.slice(before)) {
            const text = JSON.stringify(m)
            const leak = leakIn(text)
            if (leak !== undefined) problems.push(`WebSocket: ${leak}: ${label}`)
            const wrong = checkMessage(m, (id) => id === 'deep' || id === ping.id)
            if (wrong !== undefined) problems.push(`WebSocket: ${wrong}: ${label}`)
          }
        }
        await healthyHttp(server)
        await healthyWs(server)
      }
    }
    const errors = serverErrors(server.logs.splice(0))
    for (const line of errors) problems.push(`the server logged an error at ${levels} levels: ${line.slice(0, 500)}`)
  }
  t.same(problems.slice(0, 20), [], `${sent} deep messages: each refused or answered, no crash, no 5xx, nothing leaked`)
  t.comment(`${sent} messages sent (${problems.length} problems)`)
})

interface Ws { ws: WebSocket, messages: unknown[], until (test: (m: unknown) => boolean): Promise<void>, close (): void }

async function openWs (url: string, legacy: boolean): Promise<Ws> {
  const ws = new WebSocket(url, 'mcp')
  ws.on('error', () => {})
  const messages: unknown[] = []
  const waiters = new Set<() => void>()
  ws.on('message', (data) => {
    const m = tryParse(data.toString())
    messages.push(m === undefined ? { notJson: data.toString().slice(0, 200) } : m)
    for (const wake of waiters) wake()
  })
  ws.on('close', () => { for (const wake of waiters) wake() })
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
  const socket: Ws = {
    ws,
    messages,
    async until (test) {
      const deadline = Date.now() + 10_000
      while (!messages.some(test)) {
        if (ws.readyState !== WebSocket.OPEN) throw new Error(`the connection closed (${clip(messages.at(-1))})`)
        if (Date.now() > deadline) throw new Error('no answer within 10 s (a hang)')
        await new Promise<void>((resolve) => {
          const wake = () => { waiters.delete(wake); clearTimeout(timer); resolve() }
          const timer = setTimeout(wake, 100)
          waiters.add(wake)
        })
      }
    },
    close () { ws.terminate() }
  }
  if (legacy) {
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'deep', version: '1' } } }))
    await socket.until((m) => isResponse(m) && (m as { id: unknown }).id === 'init')
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }))
  }
  return socket
}
