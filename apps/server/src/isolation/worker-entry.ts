/** The entry of an isolated plugin's worker thread (`isolate: 'worker'`). */
import { parentPort } from 'node:worker_threads'
import { runGuest } from './guest.ts'
import type { HostMessage } from './messages.ts'

if (parentPort === null) throw new Error('worker-entry.ts runs as a worker thread only')
const port = parentPort
runGuest({
  post: (message) => { port.postMessage(message) },
  onMessage: (listener) => { port.on('message', (message: HostMessage) => { listener(message) }) }
})
