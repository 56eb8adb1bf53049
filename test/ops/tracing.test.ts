/**
 * Traces: with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a local OTLP/HTTP
 * receiver (this test's own server, reading the JSON the exporter posts), the
 * server exports a span per request and per tool call, with method, tool,
 * era, transport and outcome, and continues the trace a client put in
 * `_meta.traceparent`. Without the variable nothing is exported.
 */
import { createServer } from 'node:http'
import { once } from 'node:events'
import t, { type Test } from 'tap'
import { legacyInitialize, legacyRequest, modernRequest, until } from '../../apps/server/src/testing/index.ts'
import { startServer } from '../helpers/server-process.ts'

interface OtlpSpan { traceId: string, spanId: string, parentSpanId?: string, name: string, kind: number, attributes: Array<{ key: string, value: Record<string, unknown> }> }

async function receiver (t: Test) {
  const spans: OtlpSpan[] = []
  const bodies: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => {
      bodies.push(`${req.method} ${req.url} ${req.headers['content-type']}`)
      try {
        const data = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }
        for (const resource of data.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans)
      } catch {}
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  const address = server.address() as { port: number }
  return { url: `http://127.0.0.1:${address.port}`, spans, bodies }
}

const attribute = (span: OtlpSpan, key: string): unknown => {
  const value = span.attributes.find((a) => a.key === key)?.value
  return value === undefined ? undefined : Object.values(value)[0]
}

t.test('a span per request and per tool call, continuing the client\'s trace', async (t) => {
  const otlp = await receiver(t)
  const server = await startServer(t, { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_SERVICE_NAME: 'mcp-test' })
  const traceId = '0af7651916cd43dd8448eb211c80319c'
  const parentId = 'b7ad6b7169203331'
  const called = await modernRequest(server.url, 'tools/call', { name: 'calculate', arguments: { expression: '6 * 7' } }, { meta: { traceparent: `00-${traceId}-${parentId}-01` } })
  t.match(called.response, { result: { structuredContent: { result: 42 } } })
  const session = await legacyInitialize(server.url)
  await legacyRequest(server.url, session, 'tools/list')

  await until(() => otlp.spans.some((s) => s.name === 'mcp tools/list'), 15_000, 'the spans to be exported')
  t.match(otlp.bodies[0], /^POST \/v1\/traces application\/json/, 'OTLP over HTTP, JSON')
  const request = otlp.spans.find((s) => s.name === 'mcp tools/call')!
  t.ok(request, 'a span for the request')
  t.equal(request.traceId, traceId, 'in the trace the client started')
  t.equal(request.parentSpanId, parentId, 'a child of the client\'s span')
  t.equal(request.kind, 2, 'kind SERVER')
  t.equal(attribute(request, 'mcp.method.name'), 'tools/call')
  t.equal(attribute(request, 'mcp.tool.name'), 'calculate')
  t.equal(attribute(request, 'mcp.era'), 'modern')
  t.equal(attribute(request, 'mcp.transport'), 'http')
  t.equal(attribute(request, 'mcp.outcome'), 'ok')
  const tool = otlp.spans.find((s) => s.name === 'tool calculate')!
  t.ok(tool, 'a span for the tool call')
  t.equal(tool.parentSpanId, request.spanId, 'under the request span')
  const legacy = otlp.spans.find((s) => s.name === 'mcp tools/list')!
  t.equal(attribute(legacy, 'mcp.era'), 'legacy', 'legacy requests are traced too')
  t.not(legacy.traceId, traceId, 'a request without traceparent starts its own trace')
})

t.test('no endpoint: nothing is exported', async (t) => {
  const otlp = await receiver(t)
  const server = await startServer(t, { OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_ENDPOINT: '' })
  await modernRequest(server.url, 'tools/call', { name: 'calculate', arguments: { expression: '1 + 1' } })
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(otlp.bodies.length, 0, 'the receiver heard nothing')
})
