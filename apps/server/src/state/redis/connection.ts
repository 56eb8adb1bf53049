/**
 * The Redis connections one instance uses for its shared state: one for
 * commands, one for subscriptions (a subscribed Redis connection can do
 * nothing else), and a router from channel to listeners so every store
 * shares the one subscriber.
 *
 * Commands fail fast while Redis is unreachable: a command waits for one
 * reconnection attempt at most and never longer than `commandTimeoutMs`, so
 * a call that needs shared state gets an error it can report instead of
 * hanging until Redis comes back. ioredis keeps reconnecting in the
 * background.
 */
import { Redis } from 'ioredis'

export interface RedisConnections {
  command: Redis
  /** Listen on a channel (every instance hears what any instance publishes). */
  listen (channel: string, listener: (message: string) => void): () => void
  publish (channel: string, message: string): void
  close (): Promise<void>
}

export interface RedisConnectionOptions {
  url: string
  /** Called with each connection error (rate-limit logging is the caller's business). */
  onError?: (error: Error) => void
  /** The longest a command may take before it fails (default 2000). */
  commandTimeoutMs?: number
}

export function connectRedis (options: RedisConnectionOptions): RedisConnections {
  const settings = {
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    // Reconnect quickly at first, then every 2 s at most.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
    lazyConnect: false
  }
  const command = new Redis(options.url, settings)
  // The subscriber queues its SUBSCRIBEs until it is connected, and resubscribes after a reconnection.
  const subscriber = new Redis(options.url, { ...settings, commandTimeout: undefined, maxRetriesPerRequest: null })
  const onError = options.onError ?? (() => {})
  command.on('error', onError)
  subscriber.on('error', onError)

  const listeners = new Map<string, Set<(message: string) => void>>()
  subscriber.on('message', (channel: string, message: string) => {
    const set = listeners.get(channel)
    if (set !== undefined) for (const listener of set) listener(message)
  })

  return {
    command,
    listen (channel, listener) {
      let set = listeners.get(channel)
      if (set === undefined) {
        listeners.set(channel, (set = new Set()))
        subscriber.subscribe(channel).catch(onError)
      }
      set.add(listener)
      return () => {
        set.delete(listener)
        if (set.size === 0) {
          listeners.delete(channel)
          subscriber.unsubscribe(channel).catch(() => {})
        }
      }
    },
    publish (channel, message) {
      command.publish(channel, message).catch(onError)
    },
    async close () {
      listeners.clear()
      await Promise.allSettled([command.quit(), subscriber.quit()])
      command.disconnect()
      subscriber.disconnect()
    }
  }
}

export type Script = (...args: Array<string | number>) => Promise<unknown>

/**
 * A Lua script as a command of the connection: ioredis sends it once and
 * then calls it by its SHA (EVALSHA), resending it if Redis lost it.
 */
export function defineScript (redis: Redis, name: string, lua: string): Script {
  const commands = redis as unknown as Record<string, Script | undefined>
  if (commands[name] === undefined) redis.defineCommand(name, { numberOfKeys: 0, lua })
  const command = commands[name] as Script
  return (...args) => command.apply(redis, args)
}

/** The URL as logs may show it: scheme, host, port and database, never a user or password. */
export function redactRedisUrl (url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
  } catch {
    return '(an unparsable Redis URL)'
  }
}
