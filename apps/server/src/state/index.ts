/**
 * The state that must be shared when several instances serve one endpoint:
 * legacy sessions, change events, SSE events for resumption, and the MRTR
 * requestStates already used. The core only sees these interfaces; this is
 * where a shared (e.g. Redis) implementation would be chosen instead of the
 * in-process one.
 */
import type { Limits } from '../config/schema.ts'
import { MemoryEventBus, type EventBus } from './event-bus.ts'
import { MemoryEventStore, type EventStore } from './event-store.ts'
import { MemoryReplayGuard, type ReplayGuard } from './replay-guard.ts'
import type { SessionRelay } from './session-relay.ts'
import { MemorySessionStore, type SessionStore } from './session-store.ts'
import { MemoryTaskStore, type TaskStore } from './task-store.ts'

export interface SharedState {
  sessions: SessionStore
  events: EventBus
  streams: EventStore
  requestStates: ReplayGuard
  /** Shared state only: carries a session's answers and cancellations to the instance waiting for them. */
  relay?: SessionRelay
  /** Shared state only: a @fastify/rate-limit store class whose counters every instance shares. */
  rateLimitStore?: new (options: Record<string, unknown>) => unknown
  /** Resolves when the shared state is reachable (readiness); in memory, always. */
  ping? (): Promise<void>
  /** Shared state only: called on each connection error (counted by the metrics). */
  onError? (listener: (error: Error) => void): void
  /** Tasks (the tasks extension). Optional for state made before tasks existed: the core then keeps them in memory. */
  tasks?: TaskStore
  close (): Promise<void>
}

export function createMemoryState (limits: Limits): SharedState {
  const sessions = new MemorySessionStore({
    idleTimeoutMs: limits.sessionIdleMs,
    maxSessions: limits.maxSessions,
    maxSessionsPerClient: limits.maxSessionsPerClient,
    unconfirmedIdleMs: limits.sessionUnconfirmedIdleMs
  })
  const events = new MemoryEventBus()
  // A resumable stream keeps its last 1000 events for 5 minutes.
  const streams = new MemoryEventStore({ maxEventsPerStream: 1000, ttlMs: 5 * 60_000 })
  const requestStates = new MemoryReplayGuard({ maxEntries: 100_000 })
  const tasks = new MemoryTaskStore({ maxTasks: limits.maxTasks, maxTasksPerClient: limits.maxTasksPerClient })
  return {
    sessions,
    events,
    streams,
    requestStates,
    tasks,
    async close () {
      await tasks.close()
      await requestStates.close()
      await sessions.close()
      await streams.close()
      await events.close()
    }
  }
}
