/**
 * Fair access to the database: at most `slots` calls run at once (the pool's
 * size), the rest wait in a bounded queue, first come first served, and no
 * client holds more than `maxPerClient` calls (running or waiting). Every
 * refusal is quick and says what to do: a full queue or a client over its cap
 * is refused at once, a wait longer than `queueTimeoutMs` ends with an error
 * that says it was the wait, not the statement.
 */
import { cancelledError, DbError } from './driver.ts'

export interface AdmissionOptions {
  /** Calls that may run at once: the pool's connections or SQLite processes. */
  slots: number
  /** Calls that may wait for a slot; one more is refused at once. */
  maxQueue: number
  /** How long a call may wait for a slot. */
  queueTimeoutMs: number
  /** Calls one client may have running or waiting. */
  maxPerClient: number
}

interface Waiter {
  admit: () => void
}

export class Admission {
  readonly #options: AdmissionOptions
  #running = 0
  readonly #queue: Waiter[] = []
  readonly #byClient = new Map<string, number>()

  constructor (options: AdmissionOptions) {
    this.#options = options
  }

  /** Calls running and waiting now (for tests and logs). */
  get load (): { running: number, queued: number } {
    return { running: this.#running, queued: this.#queue.length }
  }

  /** Runs `work` once a slot is free; refuses at once when the queue is full or the client is over its cap. */
  async run<T> (client: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    if (signal?.aborted === true) throw cancelledError()
    const own = this.#byClient.get(client) ?? 0
    const { maxPerClient, maxQueue, slots } = this.#options
    if (own >= maxPerClient) {
      throw new DbError('busy',
        `You already have ${own} database queries running or waiting; the limit is ${maxPerClient} per client. ` +
        'Wait for one to finish, then retry.')
    }
    if (this.#running >= slots && this.#queue.length >= maxQueue) {
      throw new DbError('busy',
        `The database queue is full (${maxQueue} queries waiting for ${slots} connections). Retry in a few seconds.`)
    }
    this.#byClient.set(client, own + 1)
    try {
      await this.#acquire(signal)
      try {
        return await work()
      } finally {
        this.#release()
      }
    } finally {
      const left = (this.#byClient.get(client) ?? 1) - 1
      if (left === 0) this.#byClient.delete(client)
      else this.#byClient.set(client, left)
    }
  }

  #acquire (signal: AbortSignal | undefined): Promise<void> {
    if (this.#running < this.#options.slots) {
      this.#running++
      return Promise.resolve()
    }
    const { queueTimeoutMs } = this.#options
    return new Promise((resolve, reject) => {
      const leave = (error: DbError): void => {
        const index = this.#queue.indexOf(waiter)
        if (index !== -1) this.#queue.splice(index, 1)
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        reject(error)
      }
      const onAbort = (): void => leave(cancelledError())
      const timer = setTimeout(() => leave(new DbError('queue-timeout',
        `The query waited ${queueTimeoutMs} ms for a free database connection and was not run: ` +
        `all ${this.#options.slots} were busy. Retry in a few seconds.`)), queueTimeoutMs)
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#queue.push(waiter)
    })
  }

  /** A finished call hands its slot to the first waiter, so the count of running calls stays the same. */
  #release (): void {
    const next = this.#queue.shift()
    if (next !== undefined) next.admit()
    else this.#running--
  }
}
