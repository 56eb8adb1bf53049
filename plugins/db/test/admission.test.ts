/** The admission queue on its own: slots, a bounded queue, a per-client cap, and errors that say which limit it was. */
import t from 'tap'
import { Admission } from '../src/admission.ts'
import { DbError } from '../src/driver.ts'

function gate (): { promise: Promise<void>, open: () => void } {
  let open = (): void => {}
  const promise = new Promise<void>((resolve) => { open = resolve })
  return { promise, open }
}

async function failure (promise: Promise<unknown>): Promise<DbError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof DbError) return error
    throw error
  }
  throw new Error('expected the call to fail')
}

t.test('a client over its cap is refused at once, others are not', async (t) => {
  const admission = new Admission({ slots: 4, maxQueue: 10, queueTimeoutMs: 60_000, maxPerClient: 2 })
  const hold = gate()
  const running = [admission.run('a', undefined, () => hold.promise), admission.run('a', undefined, () => hold.promise)]
  const refused = await failure(admission.run('a', undefined, async () => 'never'))
  t.equal(refused.code, 'busy')
  t.match(refused.message, /You already have 2 database queries running or waiting; the limit is 2 per client\. Wait for one to finish, then retry/)
  t.equal(await admission.run('b', undefined, async () => 'b ran'), 'b ran', 'another client gets in')
  hold.open()
  await Promise.all(running)
  t.equal(await admission.run('a', undefined, async () => 'a again'), 'a again', 'the cap frees as calls end')
  t.same(admission.load, { running: 0, queued: 0 })
})

t.test('a full queue is refused at once; waiters run in order as slots free', async (t) => {
  const admission = new Admission({ slots: 1, maxQueue: 2, queueTimeoutMs: 60_000, maxPerClient: 10 })
  const hold = gate()
  const order: string[] = []
  const first = admission.run('a', undefined, async () => { await hold.promise; order.push('a') })
  const second = admission.run('b', undefined, async () => { order.push('b') })
  const third = admission.run('c', undefined, async () => { order.push('c') })
  t.same(admission.load, { running: 1, queued: 2 })
  const full = await failure(admission.run('d', undefined, async () => {}))
  t.equal(full.code, 'busy')
  t.match(full.message, /The database queue is full \(2 queries waiting for 1 connections\)\. Retry in a few seconds/)
  hold.open()
  await Promise.all([first, second, third])
  t.same(order, ['a', 'b', 'c'])
})

t.test('a wait past queueTimeoutMs says it was the wait, and the call never runs', async (t) => {
  const admission = new Admission({ slots: 1, maxQueue: 5, queueTimeoutMs: 100, maxPerClient: 10 })
  const hold = gate()
  const holder = admission.run('a', undefined, () => hold.promise)
  let ran = false
  const waited = await failure(admission.run('b', undefined, async () => { ran = true }))
  t.equal(waited.code, 'queue-timeout')
  t.match(waited.message, /waited 100 ms for a free database connection and was not run: all 1 were busy\. Retry/)
  t.equal(ran, false)
  t.same(admission.load, { running: 1, queued: 0 }, 'it left the queue')
  hold.open()
  await holder
})

t.test('a call cancelled while waiting leaves the queue', async (t) => {
  const admission = new Admission({ slots: 1, maxQueue: 5, queueTimeoutMs: 60_000, maxPerClient: 10 })
  const hold = gate()
  const holder = admission.run('a', undefined, () => hold.promise)
  const controller = new AbortController()
  const waiting = failure(admission.run('b', controller.signal, async () => {}))
  controller.abort()
  t.equal((await waiting).code, 'cancelled')
  t.same(admission.load, { running: 1, queued: 0 })
  hold.open()
  await holder
  t.same(admission.load, { running: 0, queued: 0 })
})

t.test('a failing call frees its slot and its client count', async (t) => {
  const admission = new Admission({ slots: 1, maxQueue: 1, queueTimeoutMs: 60_000, maxPerClient: 1 })
  await t.rejects(admission.run('a', undefined, async () => { throw new Error('boom') }), /boom/)
  t.equal(await admission.run('a', undefined, async () => 'ok'), 'ok')
})
