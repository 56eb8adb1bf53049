/**
 * HTTP load with autocannon where every answer is checked: each request gets
 * its own JSON-RPC id, and each response must carry that id and the expected
 * result (a legacy session also refuses two requests in flight with one id).
 */
import autocannon from 'autocannon'

export interface HttpCase {
  /** Path on the server, `/mcp` unless said. */
  path?: string
  headers: Record<string, string>
  /** The request body for one id. */
  body: (id: number) => string
  /** Whether a 200 answer's body is the right one for that id. */
  check: (body: string, id: number) => boolean
}

export interface HttpRun {
  /** Answers per second over the run. */
  rate: number
  p50: number
  p99: number
  /** Transport errors, non-2xx answers and answers that failed their check. */
  errors: number
  checked: number
}

export async function runHttp (port: number, test: HttpCase, seconds: number, connections: number): Promise<HttpRun> {
  let next = 0
  let checked = 0
  let wrong = 0
  let firstWrong: string | undefined
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${test.path ?? '/mcp'}`,
    method: 'POST',
    headers: test.headers,
    connections,
    duration: seconds,
    requests: [{
      setupRequest: (request, context) => {
        const id = ++next
        const ids = context as { id?: number }
        ids.id = id
        return { ...request, body: test.body(id) }
      },
      onResponse: (status, body, context) => {
        checked++
        if (status !== 200 || !test.check(body, (context as { id: number }).id)) {
          wrong++
          firstWrong ??= `${status} ${body.slice(0, 300)}`
        }
      }
    }]
  })
  if (firstWrong !== undefined) process.stderr.write(`  ${wrong} wrong answers; the first: ${firstWrong}\n`)
  return {
    rate: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx + wrong,
    checked
  }
}
