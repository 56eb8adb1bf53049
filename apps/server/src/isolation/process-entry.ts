/**
 * The entry of an isolated plugin's child process (`isolate: 'process'`),
 * started under Node's permission model. Before the plugin is imported the
 * network guard is installed (Node 24 has no network permission), and an
 * exception thrown outside any call is reported to the host before the
 * process exits, so the host can say what happened.
 */
import { runGuest } from './guest.ts'
import type { GuestMessage, HostMessage } from './messages.ts'
import { guardNetwork } from './net-guard.ts'

const send = process.send?.bind(process)
if (send === undefined) throw new Error('process-entry.ts runs as a child process with an IPC channel only')
const post = (message: GuestMessage): void => { send(message) }

process.on('uncaughtException', (error) => {
  post({ t: 'uncaught', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })
  // The exit code says "uncaught" to the host; the IPC message above is flushed before the process ends.
  process.exitCode = 70
  process.disconnect?.()
})
// The host going away ends the child: it has nothing to serve then.
process.on('disconnect', () => { process.exit(process.exitCode ?? 0) })

let initialized = false
runGuest({
  post,
  onMessage: (listener) => {
    process.on('message', (message: HostMessage) => {
      if (message.t === 'init' && !initialized) {
        initialized = true
        guardNetwork(message.hosts ?? [])
      }
      listener(message)
    })
  }
})
