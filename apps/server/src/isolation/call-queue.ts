/**
 * The calls waiting for a worker or for the plugin's process: the same
 * bounded wait for both backends. A call whose signal aborts while it waits
 * leaves the queue and is refused with `stoppedWhile` ("was stopped while it
 * waited for …").
 */
import { describeCall, IsolationError, type CallRequest } from './channel.ts'
import type { RequestContext } from '../registry/types.ts'

export interface Queued {
  request: CallRequest
  ctx: RequestContext | undefined
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

export function waitInQueue (queue: Queued[], request: CallRequest, ctx: RequestContext | undefined, stoppedWhile: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const queued: Queued = { request, ctx, resolve, reject }
    queue.push(queued)
    ctx?.signal.addEventListener('abort', () => {
      const at = queue.indexOf(queued)
      if (at === -1) return
      queue.splice(at, 1)
      reject(new IsolationError(`${describeCall(request)} ${stoppedWhile}`, stoppedWhile))
    }, { once: true })
  })
}
