/**
 * A small JSON-over-HTTP GET client for the upstream APIs:
 *
 * - one keep-alive undici `Pool` per origin, opened lazily and closed by `close()`,
 *   so consecutive calls reuse warm sockets instead of paying TCP/TLS setup;
 * - one deadline (`timeoutMs`) for the whole call, retry included;
 * - the caller's `AbortSignal` aborts the upstream request (and its socket);
 * - a TTL + LRU cache of parsed 2xx bodies, keyed by the full URL;
 * - identical concurrent requests share one upstream fetch ("coalescing");
 * - at most one retry, only for connection errors and 5xx, after a short delay,
 *   never after an abort or the deadline: a struggling upstream sees at most
 *   twice our traffic, never a storm.
 */
import type { Dispatcher, Pool } from 'undici'
import { TtlCache } from './cache.ts'
import {
  ClientClosedError,
  UpstreamHttpError,
  UpstreamResponseError,
  UpstreamTimeoutError,
  UpstreamUnreachableError
} from './errors.ts'

export interface HttpClientOptions {
  /** Deadline for one call (connect, response, body and a possible retry). Default 5000. */
  timeoutMs?: number
  /** Cache bound (entries across all URLs). Default 500; 0 disables caching. */
  cacheMaxEntries?: number
  /** Sockets per origin. Default 10. */
  connections?: number
  /** How long an idle socket is kept open. Default 30 s (a server's shorter `Keep-Alive: timeout` wins). */
  keepAliveTimeoutMs?: number
  /** Retry once on a connection error or 5xx. Default true. */
  retry?: boolean
  /** Pause before that retry. Default 200 ms. */
  retryDelayMs?: number
  /** Bodies larger than this are refused. Default 2 MiB (a 16-day forecast is a few KiB). */
  maxResponseBytes?: number
  userAgent?: string
}

export interface GetJsonOptions<T> {
  /** How long a successful response may be served from the cache; 0 = don't cache. */
  ttlMs: number
  signal?: AbortSignal
  /**
   * Validates/converts the JSON body; what it returns is cached and shared, and
   * what it throws is not cached. One URL must always be parsed the same way
   * (the cache and coalescing are keyed by URL alone).
   */
  parse: (body: unknown) => T
}

/** Counters for tests and diagnostics. */
export interface HttpClientStats {
  /** Requests actually sent upstream (a retry counts as a second one). */
  upstreamRequests: number
  cacheHits: number
  /** Calls that joined an identical request already in flight. */
  coalesced: number
}

/** Connection errors worth one more try: the next attempt may get a fresh socket or a recovered server. */
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET'])

interface Flight {
  readonly promise: Promise<unknown>
  readonly controller: AbortController
  waiters: number
  settled: boolean
}

export class HttpClient {
  readonly stats: HttpClientStats = { upstreamRequests: 0, cacheHits: 0, coalesced: 0 }
  readonly #pools = new Map<string, Pool>()
  readonly #inflight = new Map<string, Flight>()
  readonly #cache: TtlCache<unknown>
  readonly #timeoutMs: number
  readonly #connections: number
  readonly #keepAliveTimeoutMs: number
  readonly #retry: boolean
  readonly #retryDelayMs: number
  readonly #maxResponseBytes: number
  readonly #userAgent: string
  #closed = false

  constructor (options: HttpClientOptions = {}) {
    this.#timeoutMs = positive('timeoutMs', options.timeoutMs ?? 5000)
    this.#connections = positive('connections', options.connections ?? 10)
    this.#keepAliveTimeoutMs = positive('keepAliveTimeoutMs', options.keepAliveTimeoutMs ?? 30_000)
    this.#retry = options.retry ?? true
    this.#retryDelayMs = options.retryDelayMs ?? 200
    this.#maxResponseBytes = positive('maxResponseBytes', options.maxResponseBytes ?? 2 * 1024 * 1024)
    this.#userAgent = options.userAgent ?? 'mcp-platform-weather/0.1'
    this.#cache = new TtlCache({ maxEntries: options.cacheMaxEntries ?? 500 })
  }

  get timeoutMs (): number {
    return this.#timeoutMs
  }

  /**
   * GET `url` and parse its JSON body. Rejects with an `Upstream*Error`, with
   * the signal's reason when `signal` aborts, or `ClientClosedError`.
   * The returned value may be shared with other callers: treat it as read-only.
   */
  async getJson<T> (url: string, options: GetJsonOptions<T>): Promise<T> {
    const { signal, ttlMs, parse } = options
    signal?.throwIfAborted()
    if (this.#closed) throw new ClientClosedError()

    const cached = this.#cache.get(url)
    if (cached !== undefined) {
      this.stats.cacheHits++
      // Safe: only `parse`'s result for this URL is ever stored under it.
      return cached as T
    }

    let flight = this.#inflight.get(url)
    if (flight === undefined) {
      flight = this.#startFlight(url, ttlMs, parse)
    } else {
      this.stats.coalesced++
    }
    flight.waiters++
    try {
      // Safe: a flight for this URL was started with this URL's `parse`.
      return await untilAborted(flight.promise, signal) as T
    } finally {
      flight.waiters--
      // The upstream request is aborted only when nobody waits for it any more:
      // one caller cancelling must not fail the others sharing the fetch.
      if (flight.waiters === 0 && !flight.settled) {
        // Forget it now so a new caller starts a fresh fetch instead of joining a dying one.
        if (this.#inflight.get(url) === flight) this.#inflight.delete(url)
        flight.controller.abort(signal?.reason)
      }
    }
  }

  /** Close every pool; waits for requests in flight (each is bounded by the deadline). */
  async close (): Promise<void> {
    this.#closed = true
    this.#cache.clear()
    const pools = [...this.#pools.values()]
    this.#pools.clear()
    await Promise.all(pools.map(async (pool) => await pool.close()))
  }

  #startFlight (url: string, ttlMs: number, parse: (body: unknown) => unknown): Flight {
    const controller = new AbortController()
    const flight: Flight = {
      promise: this.#fetchWithDeadline(url, controller).then((body) => {
        const value = parse(body)
        this.#cache.set(url, value, ttlMs)
        return value
      }).finally(() => {
        flight.settled = true
        if (this.#inflight.get(url) === flight) this.#inflight.delete(url)
      }),
      controller,
      waiters: 0,
      settled: false
    }
    // Every waiter may have gone (all aborted) by the time the fetch fails:
    // mark the rejection handled so it is not reported as unhandled.
    flight.promise.catch(() => {})
    this.#inflight.set(url, flight)
    return flight
  }

  async #fetchWithDeadline (url: string, controller: AbortController): Promise<unknown> {
    // The deadline aborts with a timeout error as reason, so after an abort the
    // reason alone says whether it was our timeout or the caller's cancellation.
    const timer = setTimeout(() => controller.abort(new UpstreamTimeoutError(this.#timeoutMs)), this.#timeoutMs)
    const { signal } = controller
    try {
      try {
        return await this.#fetchOnce(url, signal)
      } catch (err) {
        if (signal.aborted || !this.#retry || !isRetryable(err)) throw err
        await delay(this.#retryDelayMs, signal)
        return await this.#fetchOnce(url, signal)
      }
    } catch (err) {
      throw signal.aborted ? signal.reason : err
    } finally {
      clearTimeout(timer)
    }
  }

  async #fetchOnce (url: string, signal: AbortSignal): Promise<unknown> {
    const target = new URL(url)
    this.stats.upstreamRequests++
    let response: Dispatcher.ResponseData
    try {
      response = await (await this.#pool(target.origin)).request({
        method: 'GET',
        path: `${target.pathname}${target.search}`,
        headers: { accept: 'application/json', 'user-agent': this.#userAgent },
        signal
      })
    } catch (err) {
      if (signal.aborted) throw signal.reason
      throw new UpstreamUnreachableError(err)
    }

    const text = await readCapped(response.body, this.#maxResponseBytes, signal)
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw new UpstreamHttpError(response.statusCode, errorReason(text))
    }
    try {
      return JSON.parse(text)
    } catch {
      throw new UpstreamResponseError('invalid JSON in response')
    }
  }

  async #pool (origin: string): Promise<Pool> {
    if (this.#closed) throw new ClientClosedError()
    let pool = this.#pools.get(origin)
    if (pool === undefined) {
      // undici is loaded with the first request, not at start-up (it is a large part of the server's start).
      const { Pool } = await import('undici')
      if (this.#closed) throw new ClientClosedError()
      pool = this.#pools.get(origin)
      if (pool !== undefined) return pool
      pool = new Pool(origin, {
        connections: this.#connections,
        keepAliveTimeout: this.#keepAliveTimeoutMs,
        keepAliveMaxTimeout: this.#keepAliveTimeoutMs
        // undici's connect/headers/body timeouts are left at their (longer)
        // defaults on purpose: our single deadline fires first and is the one
        // that reports "timeout after N s".
      })
      this.#pools.set(origin, pool)
    }
    return pool
  }
}

function isRetryable (err: unknown): boolean {
  if (err instanceof UpstreamHttpError) return err.statusCode >= 500
  if (err instanceof UpstreamUnreachableError) return err.code !== undefined && RETRYABLE_CODES.has(err.code)
  return false
}

/** Read a body as UTF-8, refusing oversized ones (destroying the stream frees the socket). */
async function readCapped (body: Dispatcher.ResponseData['body'], maxBytes: number, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of body) {
      size += chunk.length
      if (size > maxBytes) {
        const err = new UpstreamResponseError(`response larger than ${maxBytes} bytes`)
        body.destroy(err)
        throw err
      }
      chunks.push(chunk)
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason
    if (err instanceof UpstreamResponseError) throw err
    throw new UpstreamUnreachableError(err)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Open-Meteo's error bodies are `{"error":true,"reason":"..."}`; anything else has no reason. */
function errorReason (text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === 'object' && parsed !== null && 'reason' in parsed && typeof parsed.reason === 'string') {
      return parsed.reason
    }
  } catch {}
  return undefined
}

/** Resolve/reject with `promise`, or reject with the signal's reason as soon as it aborts. */
async function untilAborted<T> (promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return await promise
  signal.throwIfAborted()
  return await new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

async function delay (ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

function positive (name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`)
  return value
}
