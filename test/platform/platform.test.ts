/**
 * `mcpPlatform` as a plugin: two platforms in one process, options checked
 * at registration with coded errors, the state seam, the transport toggles.
 */
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import t from 'tap'
import { createMemoryState, mcpPlatform, type SharedState } from '@mcp-platform/server'
import { createInjectClient } from '@mcp-platform/server/testing'
import calculator from '../../plugins/calculator/src/index.ts'
import slowTool from '../fixtures/slow-tool/index.ts'

async function platformApp (t: { teardown (fn: () => unknown): void }, tools: FastifyPluginAsync[], options: Record<string, unknown> = {}) {
  const app = Fastify()
  await app.register(mcpPlatform, { stateSecret: 'platform-tests', ...options })
  for (const tool of tools) await app.register(tool)
  t.teardown(() => app.close())
  return app
}

/** Opens a WebSocket to `url`, sends one 2026-07-28 tools/list, resolves with the tool names. */
async function toolNamesOverWebSocket (url: string): Promise<string[]> {
  const ws = new WebSocket(url, 'mcp')
  try {
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject })
    const answer = new Promise<any>((resolve) => { ws.onmessage = (event) => resolve(JSON.parse(String(event.data))) })
    ws.send(JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } }
    }))
    return (await answer).result.tools.map((tool: { name: string }) => tool.name)
  } finally {
    ws.close()
  }
}

t.test('two platforms in one process, each with its own tools, over HTTP and WebSocket', async (t) => {
  const first = await platformApp(t, [calculator], { serverInfo: { name: 'first' } })
  const second = await platformApp(t, [slowTool], { serverInfo: { name: 'second' } })
  t.same((await createInjectClient(first).listTools()).tools.map((tool: { name: string }) => tool.name), ['calculate'])
  t.same((await createInjectClient(second).listTools()).tools.map((tool: { name: string }) => tool.name), ['sleep'])
  const discovered = await createInjectClient(second).request('server/discover')
  t.equal(discovered._meta['io.modelcontextprotocol/serverInfo'].name, 'second')

  await first.listen({ port: 0, host: '127.0.0.1' })
  await second.listen({ port: 0, host: '127.0.0.1' })
  const port = (app: FastifyInstance) => (app.server.address() as { port: number }).port
  t.same(await toolNamesOverWebSocket(`ws://127.0.0.1:${port(first)}/mcp`), ['calculate'])
  t.same(await toolNamesOverWebSocket(`ws://127.0.0.1:${port(second)}/mcp`), ['sleep'])
})

t.test('two platforms in one Fastify app under two prefixes; WebSocket goes to one of them', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (scope) => {
    await scope.register(mcpPlatform, { stateSecret: 'a' })
    await scope.register(calculator)
  }, { prefix: '/a' })
  await app.register(async (scope) => {
    await scope.register(mcpPlatform, { stateSecret: 'b', transports: { websocket: false } })
    await scope.register(slowTool)
  }, { prefix: '/b' })
  t.same((await createInjectClient(app, { path: '/a/mcp' }).listTools()).tools.map((tool: { name: string }) => tool.name), ['calculate'])
  t.same((await createInjectClient(app, { path: '/b/mcp' }).listTools()).tools.map((tool: { name: string }) => tool.name), ['sleep'])

  const twice = Fastify()
  t.teardown(() => twice.close())
  twice.register(async (scope) => { await scope.register(mcpPlatform) }, { prefix: '/a' })
  twice.register(async (scope) => { await scope.register(mcpPlatform) }, { prefix: '/b' })
  await t.rejects(async () => await twice.ready(), { code: 'MCP_ERR_WEBSOCKET_TWICE' }, 'a second WebSocket transport on one server is refused with a code')
})

t.test('options are checked at registration, with a coded error naming each wrong value', async (t) => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a path without its slash', { path: 'mcp' }, /path/],
    ['a limit out of range', { limits: { pageSize: 0 } }, /limits\.pageSize/],
    ['an unknown option', { colour: 'blue' }, /colour|additional/i],
    ['a short JWT secret', { auth: { jwtSecret: 'short' } }, /auth\.jwtSecret/],
    ['a state without its parts', { state: { sessions: {} } }, /state: .*missing events, streams, requestStates, close/]
  ]
  for (const [what, options, message] of cases) {
    const app = Fastify()
    app.register(mcpPlatform, options as never)
    await t.rejects(async () => await app.ready(), { code: 'MCP_ERR_INVALID_PLATFORM_OPTIONS', message }, what)
    await app.close()
  }
})

t.test('the state seam: an instance is used and left open; a factory\'s state is closed with the app', async (t) => {
  const mine: SharedState = createMemoryState({ sessionIdleMs: 60_000, maxSessions: 10 } as never)
  let closedMine = false
  const close = mine.close.bind(mine)
  mine.close = async () => { closedMine = true; await close() }
  const app = await platformApp(t, [calculator], { state: mine })
  const init = await app.inject({
    method: 'POST',
    url: '/mcp',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    payload: { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '0' } } }
  })
  const id = init.headers['mcp-session-id'] as string
  t.ok(await mine.sessions.get(id), 'the session lives in the state the embedder gave')
  await app.close()
  t.equal(closedMine, false, 'a state the embedder owns is not closed by the platform')

  let made: SharedState | undefined
  let closedMade = false
  const factoryApp = Fastify()
  await factoryApp.register(mcpPlatform, {
    state: (limits) => {
      made = createMemoryState(limits)
      const closeMade = made.close.bind(made)
      made.close = async () => { closedMade = true; await closeMade() }
      return made
    }
  })
  await factoryApp.ready()
  t.ok(made, 'the factory was called with the resolved limits')
  await factoryApp.close()
  t.equal(closedMade, true, 'a state the platform made is closed with the app')
})

t.test('transports can be turned off', async (t) => {
  const wsOnly = await platformApp(t, [calculator], { transports: { http: false } })
  t.equal((await wsOnly.inject({ method: 'POST', url: '/mcp', payload: {} })).statusCode, 404, 'no Streamable HTTP')
  const upgrade = await wsOnly.inject({ method: 'GET', url: '/mcp' })
  t.equal(upgrade.statusCode, 426, 'a plain GET is told to upgrade')
  t.equal(upgrade.json().error.code, -32600)

  const httpOnly = await platformApp(t, [calculator], { transports: { websocket: false }, healthPath: false })
  await httpOnly.listen({ port: 0, host: '127.0.0.1' })
  const url = `ws://127.0.0.1:${(httpOnly.server.address() as { port: number }).port}/mcp`
  const ws = new WebSocket(url, 'mcp')
  const outcome = await new Promise<string>((resolve) => { ws.onopen = () => resolve('open'); ws.onerror = () => resolve('refused') })
  t.equal(outcome, 'refused', 'no WebSocket upgrade')
  t.equal((await httpOnly.inject('/health')).statusCode, 404, 'no health route when healthPath is false')
  t.equal((await createInjectClient(httpOnly).callTool('calculate', { expression: '1+1' })).structuredContent.result, 2)
})

t.test('the caller\'s principal is a declared request decorator', async (t) => {
  const app = await platformApp(t, [calculator])
  await app.ready()
  t.equal(app.hasRequestDecorator('mcpPrincipal'), true)
})
