/**
 * What the shared state costs in Redis: the memory of 10,000 legacy sessions
 * (as the server stores them: the typical clientInfo and capabilities of an
 * SDK client) and of 10,000 SSE events of 200 bytes, measured with Redis'
 * own `used_memory`. For docs/operations.md.
 *
 *   node --conditions=@mcp-platform/source bench/redis-memory.ts
 */
import { connectRedis } from '../apps/server/src/state/redis/connection.ts'
import { RedisEventStore } from '../apps/server/src/state/redis/event-store.ts'
import { RedisSessionStore } from '../apps/server/src/state/redis/session-store.ts'
import { startRedis } from '../test/helpers/redis.ts'

const cleanup: Array<() => unknown> = []
const harness = { teardown: (fn: () => unknown) => { cleanup.push(fn) }, fail: (m: string) => { throw new Error(m) }, pass: (m: string) => { throw new Error(m) } } as never
const N = 10_000

try {
  const redis = await startRedis(harness)
  if (redis === undefined) throw new Error('redis-server is needed')
  const connection = connectRedis({ url: redis.url })
  cleanup.push(() => connection.close())
  const used = async () => Number(/used_memory:(\d+)/.exec(await connection.command.info('memory'))![1])
  const sessions = new RedisSessionStore(connection, { prefix: 'mcp:', idleTimeoutMs: 1_800_000, maxSessions: 100_000, maxSessionsPerClient: 100_000, unconfirmedIdleMs: 1_800_000 })
  cleanup.push(() => sessions.close())

  const before = await used()
  for (let i = 0; i < N; i++) {
    await sessions.create({
      id: crypto.randomUUID(),
      protocolVersion: '2025-11-25',
      clientInfo: { name: 'claude-desktop', version: '1.4.2' },
      clientCapabilities: { elicitation: {}, sampling: {}, roots: { listChanged: true } },
      logLevel: undefined,
      subscriptions: [],
      principalId: undefined,
      clientKey: `127.0.0.${i % 200}`,
      createdAt: Date.now()
    })
  }
  const afterSessions = await used()
  const events = new RedisEventStore(connection, { prefix: 'mcp:', maxEventsPerStream: 1000, ttlMs: 300_000 })
  const message = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok', progress: 1, total: 10, message: 'x'.repeat(100) } }
  for (let i = 0; i < N; i++) await events.append(`stream-${i % 100}`, message)
  const afterEvents = await used()
  console.log(`${N} sessions: ${Math.round((afterSessions - before) / N)} bytes each`)
  console.log(`${N} SSE events of ${JSON.stringify(message).length} bytes (100 streams): ${Math.round((afterEvents - afterSessions) / N)} bytes each`)
} finally {
  for (const fn of cleanup.reverse()) await fn()
}
