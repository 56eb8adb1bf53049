/**
 * Messages of a legacy HTTP session that must reach the instance holding
 * what they refer to: a client's answer to a server-to-client request
 * (elicitation, sampling) and a `notifications/cancelled`, POSTed to
 * whichever instance the load balancer picked. One instance needs no relay;
 * with shared state, an instance that finds nothing waiting locally relays
 * the message, and the instance that waits for it takes it.
 */
export interface RelayedMessage {
  sessionId: string
  kind: 'response' | 'cancel'
  /** The JSON-RPC message as the client sent it. */
  message: Record<string, unknown>
}

export interface SessionRelay {
  send (message: RelayedMessage): void
  listen (listener: (message: RelayedMessage) => void): () => void
  close (): Promise<void>
}
