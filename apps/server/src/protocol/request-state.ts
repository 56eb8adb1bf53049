/**
 * Sealed `requestState` for multi round-trip requests (2026-07-28 MRTR).
 *
 * The state travels through the client, so it is attacker-controlled input:
 * it is HMAC-SHA256 signed with a server key, and binds the caller, an expiry
 * and the request it belongs to (method, name and a digest of the arguments),
 * as the spec's MRTR security section asks. It carries the input responses of
 * earlier rounds, so any instance holding the key can continue the request.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ReplayGuard } from '../state/replay-guard.ts'
import { invalidRequestState } from './errors.ts'

export interface StateBinding {
  method: string
  /** Tool or prompt name, or resource URI. */
  target: string
  args: unknown
  principalId: string | undefined
}

interface Payload {
  v: 2
  /** Random id: a state is single-use (claimed in the ReplayGuard). */
  n: string
  m: string
  t: string
  d: string
  p: string | null
  e: number
  /** Input responses gathered in earlier rounds. */
  r: Record<string, unknown>
  /** Keys of the input requests this round asked: the only ones a retry may answer. */
  q: string[]
}

/** What a valid state carries into the retry. */
export interface OpenedState {
  responses: Record<string, unknown>
  asked: readonly string[]
  /** The state's single-use id and expiry, for `claim`. */
  id: string
  expiresAt: number
}

export class RequestStateSealer {
  readonly #key: Buffer
  readonly #ttlMs: number
  readonly #guard: ReplayGuard

  constructor (key: Buffer, ttlMs: number, guard: ReplayGuard) {
    this.#key = key
    this.#ttlMs = ttlMs
    this.#guard = guard
  }

  /** A state for the retry of `binding`: the answers so far, and the keys of the input requests just asked. */
  seal (binding: StateBinding, responses: Record<string, unknown>, asked: readonly string[]): string {
    const payload: Payload = {
      v: 2,
      n: randomBytes(12).toString('base64url'),
      m: binding.method,
      t: binding.target,
      d: digest(binding.args),
      p: binding.principalId ?? null,
      e: Date.now() + this.#ttlMs,
      r: responses,
      q: [...asked]
    }
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
    return `${body}.${this.#mac(body)}`
  }

  /**
   * What a valid state carries, or a -32602 error saying why it was refused
   * (modified, expired, another caller or request). Not yet claimed: see `claim`.
   */
  open (state: unknown, binding: StateBinding): OpenedState {
    if (typeof state !== 'string') throw invalidRequestState('it must be the string the server returned')
    const dot = state.indexOf('.')
    const body = state.slice(0, dot)
    const mac = Buffer.from(state.slice(dot + 1), 'base64url')
    const expected = Buffer.from(this.#mac(body), 'base64url')
    if (dot < 0 || mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
      throw invalidRequestState('its signature does not verify (was it modified, or issued by a server with another MCP_STATE_SECRET?)')
    }
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Payload
    if (payload.v !== 2) throw invalidRequestState('it comes from an older server version; send the request again without requestState')
    if (payload.e < Date.now()) throw invalidRequestState('it has expired; send the request again without requestState')
    if (payload.p !== (binding.principalId ?? null)) throw invalidRequestState('it was issued to another caller')
    if (payload.m !== binding.method || payload.t !== binding.target || payload.d !== digest(binding.args)) {
      throw invalidRequestState('it belongs to a different request (method, name or arguments changed)')
    }
    return { responses: payload.r, asked: payload.q, id: payload.n, expiresAt: payload.e }
  }

  /** Uses the state up: a second retry with it (a replay) is refused, on any instance sharing the guard. */
  async claim (opened: OpenedState): Promise<void> {
    if (!(await this.#guard.claim(opened.id, opened.expiresAt))) {
      throw invalidRequestState('it was already used: each requestState answers one retry; send the one the latest answer returned')
    }
  }

  #mac (body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url')
  }
}

/** A digest of the arguments, independent of key order. */
function digest (value: unknown): string {
  return createHash('sha256').update(stableStringify(value) ?? 'undefined').digest('base64url')
}

function stableStringify (value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item) ?? 'null').join(',')}]`
  const entries = Object.keys(value).sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`)
  return `{${entries.join(',')}}`
}
