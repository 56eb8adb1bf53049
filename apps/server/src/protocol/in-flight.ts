/**
 * The requests of one session in flight on this instance, by id. Most
 * sessions have none or one at a time, so the first sits in two fields and a
 * Map is made only for a second one at once: an idle session holds no Map,
 * and a session's sequential requests allocate nothing here.
 */
import type { RequestId } from './jsonrpc.ts'

/** What the dispatcher needs of a table of calls in flight (a Map fits too). */
export interface CallTable<T> {
  readonly size: number
  has (id: RequestId): boolean
  get (id: RequestId): T | undefined
  set (id: RequestId, call: T): unknown
  delete (id: RequestId): boolean
  values (): Iterable<T>
}

export class InFlightCalls<T> implements CallTable<T> {
  #id: RequestId | undefined
  #call: T | undefined
  #more: Map<RequestId, T> | undefined

  get size (): number {
    return (this.#call === undefined ? 0 : 1) + (this.#more?.size ?? 0)
  }

  has (id: RequestId): boolean {
    return (this.#call !== undefined && this.#id === id) || this.#more?.has(id) === true
  }

  get (id: RequestId): T | undefined {
    return this.#call !== undefined && this.#id === id ? this.#call : this.#more?.get(id)
  }

  set (id: RequestId, call: T): this {
    if (this.#call === undefined || this.#id === id) {
      this.#id = id
      this.#call = call
    } else {
      this.#more ??= new Map()
      this.#more.set(id, call)
    }
    return this
  }

  delete (id: RequestId): boolean {
    if (this.#call !== undefined && this.#id === id) {
      this.#id = undefined
      this.#call = undefined
      return true
    }
    const deleted = this.#more?.delete(id) === true
    if (this.#more?.size === 0) this.#more = undefined
    return deleted
  }

  * values (): IterableIterator<T> {
    if (this.#call !== undefined) yield this.#call
    if (this.#more !== undefined) yield * this.#more.values()
  }
}
