/**
 * The stdio transport: the client launched this process and speaks JSON-RPC
 * on its standard streams, one message per line (newline-delimited, no
 * embedded newlines) in on stdin and out on stdout. A thin adapter onto the
 * protocol core, like the WebSocket one: one connection, both eras (a
 * `server/discover` probe and per-request `_meta`, or `initialize` and a
 * session bound to the connection), many requests in flight, answered as
 * they finish. Nothing but MCP messages goes to stdout: logs go to stderr
 * (the CLI sets that up). See docs/operations.md for running it.
 */
import type { Readable, Writable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { TransportContext } from '../../protocol/call.ts'
import type { Outcome, ProtocolCore } from '../../protocol/dispatcher.ts'
import { forbiddenKey, lineTooLong, parseError, shuttingDown } from '../../protocol/errors.ts'
import type { Inbound } from '../../protocol/inbound.ts'
import { failureFrom, type JsonRpcMessage, type RequestId } from '../../protocol/jsonrpc.ts'
import type { InFlightCall, Session } from '../../protocol/sessions.ts'
import { parseJsonMessage, requestIdOf } from '../json-message.ts'

export interface StdioTransportOptions {
  core: ProtocolCore
  /** Where messages come from (process.stdin). */
  input: Readable
  /** Where messages go (process.stdout): nothing else may be written there. */
  output: Writable
  logger: FastifyBaseLogger
  /** Largest line accepted, in bytes; a longer one is skipped and answered with an error. */
  maxMessageBytes: number
  /** Requests in flight at once; at the cap the transport stops reading stdin until answers go out. */
  maxInFlight: number
}

/** Why the connection ended: stdin reached its end (the client's way to shut down), or stdout broke (the client went away). */
export type StdioEnd = 'input closed' | 'output failed'

const NEWLINE = 0x0a

/**
 * One stdio connection. Per-client quotas count against `stdio`: the client
 * is the process that launched this one, and there is only one.
 */
export class StdioConnection {
  /** The legacy session, once the client sent `initialize`. */
  session: Session | undefined
  /** Calls in flight, by request id (for `notifications/cancelled`). */
  readonly inFlight = new Map<RequestId, InFlightCall>()
  /** Resolves once the input ended or the output failed; the CLI then shuts the server down. */
  readonly ended: Promise<StdioEnd>
  #active = 0
  #heldBack = false
  #closed = false
  /** Bytes of the current line read so far (chunks without a newline yet). */
  #partial: Buffer[] = []
  #partialBytes = 0
  /** The current line is over the limit: everything up to its newline is dropped. */
  #skipping = false
  #end!: (why: StdioEnd) => void
  /** Answers waiting for stdout to drain (the client reads slowly). */
  #waitingForDrain = false

  readonly options: StdioTransportOptions

  constructor (options: StdioTransportOptions) {
    this.options = options
    this.ended = new Promise((resolve) => { this.#end = resolve })
    options.input.on('data', this.#onData)
    options.input.once('end', this.#onInputEnd)
    options.input.once('close', this.#onInputEnd)
    // EPIPE and the like: the client is gone, nobody reads the answers.
    options.output.on('error', this.#onOutputError)
  }

  /** Writes one message as one line. JSON.stringify escapes newlines inside strings, so the line is whole. */
  readonly send = (message: JsonRpcMessage): void => {
    if (this.#closed) return
    const flowing = this.options.output.write(JSON.stringify(message) + '\n')
    if (!flowing && !this.#waitingForDrain) {
      // Backpressure: read no more requests until the client has read what it was sent.
      this.#waitingForDrain = true
      this.options.input.pause()
      this.options.output.once('drain', this.#onDrain)
    }
  }

  /** Stops reading and frees the session; calls still in flight are cancelled (nothing more is sent for them). */
  close (reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.options.input.removeListener('data', this.#onData)
    this.options.input.pause()
    for (const call of this.inFlight.values()) call.cancel(reason)
    this.inFlight.clear()
    if (this.session !== undefined) this.options.core.sessions.release(this.session)
    this.session = undefined
  }

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false
    if (!this.#heldBack && !this.#closed) this.options.input.resume()
  }

  readonly #onInputEnd = (): void => {
    this.#end('input closed')
  }

  readonly #onOutputError = (error: Error): void => {
    this.options.logger.info({ err: { message: error.message } }, 'stdio: stdout failed (the client went away)')
    this.close('stdout closed')
    this.#end('output failed')
  }

  readonly #onData = (chunk: Buffer | string): void => {
    let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    for (let at = data.indexOf(NEWLINE); at !== -1 && !this.#closed; at = data.indexOf(NEWLINE)) {
      const tail = data.subarray(0, at)
      data = data.subarray(at + 1)
      if (this.#skipping) {
        this.#skipping = false
        continue
      }
      if (this.#partialBytes + tail.length > this.options.maxMessageBytes) {
        this.#tooLong()
        this.#partial = []
        this.#partialBytes = 0
        continue
      }
      const line = this.#partial.length === 0 ? tail : Buffer.concat([...this.#partial, tail])
      this.#partial = []
      this.#partialBytes = 0
      this.#onLine(line.toString('utf8'))
    }
    if (data.length === 0 || this.#skipping || this.#closed) return
    if (this.#partialBytes + data.length > this.options.maxMessageBytes) {
      // Refused now rather than at its newline, so a line without end cannot fill memory.
      this.#tooLong()
      this.#skipping = true
      this.#partial = []
      this.#partialBytes = 0
      return
    }
    // Copied: the stream may reuse the chunk's memory.
    this.#partial.push(Buffer.from(data))
    this.#partialBytes += data.length
  }

  #tooLong (): void {
    this.options.logger.warn({ limit: this.options.maxMessageBytes }, 'stdio: a message over the size limit was skipped')
    this.send(failureFrom(null, lineTooLong(this.options.maxMessageBytes)))
  }

  #onLine (text: string): void {
    // Windows clients may end lines with \r\n; blank lines carry nothing.
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text
    if (trimmed.trim() === '') return
    let parsed
    try {
      parsed = parseJsonMessage(trimmed)
    } catch (error) {
      this.send(failureFrom(null, parseError(`the line is not valid JSON (${(error as Error).message})`)))
      return
    }
    const message = parsed.value
    if (parsed.forbiddenKey !== undefined) {
      this.send(failureFrom(requestIdOf(message), forbiddenKey(parsed.forbiddenKey)))
      return
    }
    const core = this.options.core
    const inbound = core.read(message)
    if ('response' in inbound) {
      this.send(inbound.response!)
      return
    }
    if (inbound.kind !== 'request') {
      // Notifications (cancellation) and the client's answers to elicitation or sampling: nothing to send back.
      void core.dispatch(inbound, this.#context())
      return
    }
    if (core.closing) {
      this.send(failureFrom(inbound.id as RequestId, shuttingDown('start the server again and send the request to the new process')))
      return
    }
    this.#serve(inbound)
  }

  #context (): TransportContext {
    return {
      transport: 'stdio',
      session: this.session,
      principal: undefined,
      clientKey: 'stdio',
      logger: this.options.logger,
      send: this.send,
      inFlight: this.inFlight
    }
  }

  #serve (inbound: Inbound): void {
    const tc = this.#context()
    this.#active++
    if (this.#active >= this.options.maxInFlight && !this.#heldBack) {
      this.#heldBack = true
      this.options.input.pause()
    }
    const pending = this.options.core.dispatch(inbound, tc)
    // `initialize` binds its session synchronously, so requests pipelined behind it belong to it.
    const bound = tc.session
    this.#adopt(bound)
    pending.then((outcome) => {
      // A refused initialize (session limit) took its session back: the connection has none.
      if (inbound.method === 'initialize' && tc.session === undefined && this.session === bound) this.session = undefined
      this.#onOutcome(outcome)
    }, (error: unknown) => {
      // The core answers every failure itself; this is a bug, logged rather than crashing the process.
      this.options.logger.error({ err: error }, 'stdio request failed in the protocol core')
      this.#onOutcome({ response: undefined })
    })
  }

  #onOutcome (outcome: Outcome): void {
    if (outcome.response !== undefined) this.send(outcome.response)
    this.#active--
    if (this.#heldBack && this.#active < this.options.maxInFlight) {
      this.#heldBack = false
      if (!this.#waitingForDrain && !this.#closed) this.options.input.resume()
    }
  }

  /** The connection becomes the legacy session's: change notifications reach it on stdout. */
  #adopt (session: Session | undefined): void {
    if (session === undefined || session === this.session) return
    this.session = session
    session.channel = this.send
  }
}
