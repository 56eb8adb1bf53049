/**
 * Messages of a legacy HTTP session that must reach the instance holding
 * what they refer to: a client's answer to a server-to-client request
 * (elicitation, sampling) and a `notifications/cancelled`, POSTed to
 * whichever instance the load balancer picked. One instance needs no relay;
 * with shared state, an instance that finds nothing waiting locally relays
 * the message, and the instance that waits for it takes it. Tasks use it the
 * same way: `tasks/update` answers and `tasks/cancel` reach the instance
 * running the task.
 */
export interface RelayedMessage {
  /** The session (`response`, `cancel`) or the task (`taskInput`, `taskCancel`) it is for. */
  to: string
  kind: 'response' | 'cancel' | 'taskInput' | 'taskCancel'
  /** The JSON-RPC message as the client sent it (`taskInput`: `{ inputResponses }`). */
  message: Record<string, unknown>
}

export interface SessionRelay {
  send (message: RelayedMessage): void
  listen (listener: (message: RelayedMessage) => void): () => void
  close (): Promise<void>
}
