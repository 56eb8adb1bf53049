/**
 * Response streams over raw HTTP: legacy SSE resumption with Last-Event-ID
 * after the client lost the connection, a closed modern SSE stream cancelling
 * its request, and subscriptions/listen from acknowledgement to shutdown.
 */
import type { FastifyPluginAsync } from 'fastify'
import t from 'tap'
import {
  deferred, LEGACY_VERSION, legacyInitialize, legacyRequest, META, modernEnvelope, modernHeaders, modernRequest, parseSse,
  startTestServer, until, within
} from '@mcp-platform/server/testing'

/** Reads an SSE response event by event. */
class SseReader {
  #buffer = ''
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>
  readonly #decoder = new TextDecoder()
  constructor (response: Response) {
    this.#reader = response.body!.getReader()
  }

  /** The next event with data (id and parsed message); undefined when the stream ended. */
  async next (): Promise<{ id: string | undefined, message: any } | undefined> {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n')
      if (end !== -1) {
        const block = this.#buffer.slice(0, end)
        this.#buffer = this.#buffer.slice(end + 2)
        const id = block.split('\n').find((line) => line.startsWith('id:'))?.slice(3).trim()
        const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n')
        if (data === '') {
          if (id !== undefined) return { id, message: undefined } // a priming event
          continue // a comment (keep-alive) or a retry hint
        }
        return { id, message: JSON.parse(data) }
      }
      const { value, done } = await this.#reader.read()
      if (done) return undefined
      this.#buffer += this.#decoder.decode(value, { stream: true })
    }
  }

  /** Every remaining event until the stream ends. */
  async rest (): Promise<Array<{ id: string | undefined, message: any }>> {
    const out = []
    for (let event = await this.next(); event !== undefined; event = await this.next()) out.push(event)
    return out
  }

  async cancel (): Promise<void> {
    await this.#reader.cancel().catch(() => {})
  }
}

const gates = {
  release: deferred(),
  stepsSignal: undefined as AbortSignal | undefined,
  hangAborted: deferred<string>()
}

const streaming: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'steps',
    description: 'Progress 1, then waits for the test, then progress 2 and 3',
    async handler (_args, ctx) {
      gates.stepsSignal = ctx.signal
      ctx.progress(1, 3, 'first')
      await gates.release.promise
      ctx.progress(2, 3, 'second')
      ctx.progress(3, 3, 'third')
      return 'all steps done'
    }
  })
  app.mcp.tool({
    name: 'progress_then_hang',
    description: 'Reports progress, then waits for its signal',
    handler: (_args, ctx) => new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        gates.hangAborted.resolve(String((ctx.signal.reason as Error).message))
        reject(ctx.signal.reason)
      }, { once: true })
      ctx.progress(1)
    })
  })
}

t.test('legacy SSE: a client that lost the stream resumes it with Last-Event-ID', async (t) => {
  const { app, url } = await startTestServer(t, { plugins: [{ plugin: streaming, name: 'streaming' }] })
  let closedConnections = 0
  app.server.on('connection', (socket) => socket.once('close', () => { closedConnections++ }))
  const session = await legacyInitialize(url)
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION }

  t.test('resumed after the request finished: the replay holds the rest and the response', async (t) => {
    gates.release = deferred()
    const controller = new AbortController()
    const post = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'r1', method: 'tools/call', params: { name: 'steps', arguments: {}, _meta: { progressToken: 'p1' } } }),
      signal: controller.signal
    })
    t.equal(post.headers.get('content-type'), 'text/event-stream')
    const reader = new SseReader(post)
    const priming = await reader.next()
    t.ok(priming?.id !== undefined && priming.message === undefined, 'a priming event with an id comes first (2025-11-25)')
    const first = await reader.next()
    t.same(first?.message.params, { progressToken: 'p1', progress: 1, total: 3, message: 'first' })
    controller.abort()
    await reader.cancel()

    gates.release.resolve()
    // The request goes on without its connection; wait until it finished.
    const resumed = await fetch(url, { headers: { ...headers, 'last-event-id': first!.id! } })
    t.equal(resumed.status, 200)
    t.equal(resumed.headers.get('content-type'), 'text/event-stream')
    const events = await new SseReader(resumed).rest()
    t.same(events.map((e) => e.message.params?.progress ?? e.message.result?.content[0].text), [2, 3, 'all steps done'], 'exactly what was missed')
    t.equal(events.at(-1)!.message.id, 'r1')
    t.notOk(gates.stepsSignal?.aborted, 'the handler was not cancelled by the lost connection')
  })

  t.test('resumed while the request still runs: replay, then live events on the new connection', async (t) => {
    gates.release = deferred()
    const controller = new AbortController()
    const post = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'r2', method: 'tools/call', params: { name: 'steps', arguments: {}, _meta: { progressToken: 'p2' } } }),
      signal: controller.signal
    })
    const reader = new SseReader(post)
    const priming = await reader.next()
    controller.abort()
    await reader.cancel()

    // Resume from the priming event: progress 1 was missed too.
    const resumed = await fetch(url, { headers: { ...headers, 'last-event-id': priming!.id! } })
    const live = new SseReader(resumed)
    const replayed = await live.next()
    t.same(replayed?.message.params.progress, 1, 'the missed event is replayed first')
    gates.release.resolve()
    const rest = await live.rest()
    t.same(rest.map((e) => e.message.params?.progress ?? e.message.result?.content[0].text), [2, 3, 'all steps done'])
    t.ok(rest.every((e) => e.id !== undefined), 'every live event carries an id')
  })

  t.test('a late close of the superseded connection does not cut the resumed stream', async (t) => {
    gates.release = deferred()
    const controller = new AbortController()
    const post = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'r3', method: 'tools/call', params: { name: 'steps', arguments: {}, _meta: { progressToken: 'p3' } } }),
      signal: controller.signal
    })
    const reader = new SseReader(post)
    await reader.next()
    const first = await reader.next()
    // The resume reaches the server before it noticed the old connection close (the order is not guaranteed on a network).
    const resumed = await fetch(url, { headers: { ...headers, 'last-event-id': first!.id! } })
    const live = new SseReader(resumed)
    const closedBefore = closedConnections
    controller.abort()
    await reader.cancel()
    // Wait until the server has seen the old connection close, so the test proves its handling.
    await until(() => closedConnections > closedBefore, 5000, 'the server to see the close')
    await new Promise((resolve) => setImmediate(resolve))
    gates.release.resolve()
    const rest = await within(live.rest(), 5000, 'the resumed stream')
    t.same(rest.map((e) => e.message.params?.progress ?? e.message.result?.content[0].text), [2, 3, 'all steps done'],
      'the resumed stream carries the rest and the response')
  })

  t.test('an unknown or foreign Last-Event-ID does not replay anything', async (t) => {
    const other = await legacyInitialize(url)
    const foreignHeaders = { ...headers, 'mcp-session-id': other, 'last-event-id': `${session}_1.1` }
    const controller = new AbortController()
    const response = await fetch(url, { headers: foreignHeaders, signal: controller.signal })
    // Not another session's stream: an ordinary notification stream of the caller's session opens instead.
    t.equal(response.status, 200)
    t.equal(response.headers.get('mcp-session-id'), other)
    controller.abort()
  })
})

t.test('modern: closing the SSE response stream cancels the request', async (t) => {
  const { app, url } = await startTestServer(t, { plugins: [{ plugin: streaming, name: 'streaming' }] })
  const controller = new AbortController()
  const params = { name: 'progress_then_hang', arguments: {} }
  const response = await fetch(url, {
    method: 'POST',
    headers: modernHeaders('tools/call', params),
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { ...params, _meta: modernEnvelope({}, { progressToken: 'tok' }) } }),
    signal: controller.signal
  })
  t.equal(response.headers.get('content-type'), 'text/event-stream', 'progress turned the response into a stream')
  const reader = new SseReader(response)
  const first = await reader.next()
  t.equal(first?.id, undefined, 'modern streams carry no event ids (no resumption)')
  t.same(first?.message, { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok', progress: 1 } })
  controller.abort()
  await reader.cancel()
  t.match(await within(gates.hangAborted.promise, 5000, 'the server-side signal'), /client closed the connection/)
  await until(() => app.mcpCore.calls.size === 0, 5000, 'the call to end')
})

t.test('modern subscriptions/listen over raw HTTP', async (t) => {
  let mcp: any
  const plugin: FastifyPluginAsync = async (app) => { mcp = app.mcp }
  const { app, url, dropConnections } = await startTestServer(t, { plugins: [{ plugin, name: 'dyn' }] })

  const listen = async (id: string, notifications: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: modernHeaders('subscriptions/listen'),
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications, _meta: modernEnvelope() } })
    })
    return { response, reader: new SseReader(response) }
  }

  const tools = await listen('L1', { toolsListChanged: true, promptsListChanged: 'yes', bogus: true })
  const prompts = await listen('L2', { promptsListChanged: true, resourceSubscriptions: ['file:///a', 42] })
  t.equal(tools.response.headers.get('content-type'), 'text/event-stream')
  const ack = await tools.reader.next()
  t.same(ack?.message, {
    jsonrpc: '2.0',
    method: 'notifications/subscriptions/acknowledged',
    params: { _meta: { [META.subscriptionId]: 'L1' }, notifications: { toolsListChanged: true } }
  }, 'acknowledged first, with the filter the server honours')
  t.same((await prompts.reader.next())?.message.params.notifications, { promptsListChanged: true, resourceSubscriptions: ['file:///a'] })

  mcp.tool({ name: 'x', description: 'x', handler: () => 'x' })
  mcp.prompt({ name: 'p', handler: () => 'p' })
  mcp.notifyResourceUpdated('file:///b')
  mcp.notifyResourceUpdated('file:///a')
  t.same((await tools.reader.next())?.message, { jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: { [META.subscriptionId]: 'L1' } } })
  t.same((await prompts.reader.next())?.message, { jsonrpc: '2.0', method: 'notifications/prompts/list_changed', params: { _meta: { [META.subscriptionId]: 'L2' } } },
    'the tool change was not sent to the prompts listener')
  t.same((await prompts.reader.next())?.message.params, { _meta: { [META.subscriptionId]: 'L2' }, uri: 'file:///a' }, 'only the subscribed URI')

  // The client closing a listen stream ends that subscription only.
  await prompts.reader.cancel()
  await until(() => [...app.mcpCore.calls].filter((c) => c.method === 'subscriptions/listen').length === 1, 5000, 'one listen left')

  // Shutdown ends the other gracefully: a final result tagged with its subscription id.
  const closing = app.close()
  const rest = await within(tools.reader.rest(), 5000, 'the end of the listen stream')
  dropConnections()
  await closing
  t.same(rest.map((e) => e.message), [{
    jsonrpc: '2.0',
    id: 'L1',
    result: { _meta: { [META.subscriptionId]: 'L1', [META.serverInfo]: { name: 'mcp-platform', version: '0.1.0' } }, resultType: 'complete' }
  }])
})

t.test('listen without Accept: text/event-stream is refused with 406 before any stream opens', async (t) => {
  const { url } = await startTestServer(t, {})
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...modernHeaders('subscriptions/listen'), accept: 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: {}, _meta: modernEnvelope() } })
  })
  t.equal(response.status, 406)
  const messages = parseSse(await response.text())
  t.equal(messages.length, 0, 'a plain JSON refusal, not a stream')
})

t.test('messages a handler sends after its result are dropped, not thrown at the plugin', async (t) => {
  const late = { done: deferred<string[]>() }
  const plugin: FastifyPluginAsync = async (app) => {
    app.mcp.tool({
      name: 'late_talker',
      description: 'Returns, then reports progress and logs from a timer',
      handler: (_args, ctx) => {
        setTimeout(() => {
          const thrown: string[] = []
          for (const send of [() => ctx.progress(9, 10), () => ctx.log('error', 'too late')]) {
            try { send() } catch (error) { thrown.push((error as Error).message) }
          }
          late.done.resolve(thrown)
        }, 20)
        return 'returned first'
      }
    })
  }
  const { url } = await startTestServer(t, { plugins: [{ plugin, name: 'late' }] })
  for (const era of ['modern', 'legacy']) {
    late.done = deferred<string[]>()
    const params = { name: 'late_talker', arguments: {} }
    const answer = era === 'modern'
      ? await modernRequest(url, 'tools/call', params, { meta: { progressToken: 'late', [META.logLevel]: 'debug' } })
      : await legacyRequest(url, await legacyInitialize(url), 'tools/call', { ...params, _meta: { progressToken: 'late' } })
    t.same(answer.messages.map((m) => m.result?.content[0].text), ['returned first'], `${era}: only the response`)
    t.same(await within(late.done.promise, 2000, 'the late sends'), [], `${era}: the late progress and log did not throw`)
  }
  const after = await modernRequest(url, 'tools/call', { name: 'late_talker', arguments: {} })
  t.equal(after.status, 200, 'the server goes on')
})
