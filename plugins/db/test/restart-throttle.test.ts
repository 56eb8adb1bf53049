/** Restarts of SQLite processes: a burst at once, then spaced out, so endless cancels cannot burn the CPU on restarts. */
import t from 'tap'
import { RestartThrottle } from '../src/drivers/restart-throttle.ts'

t.test('a burst, then one per interval', async (t) => {
  const throttle = new RestartThrottle(2, 500)
  t.equal(throttle.take(), 0)
  t.equal(throttle.take(), 0)
  const third = throttle.take()
  const fourth = throttle.take()
  t.ok(third > 0 && third <= 500, `the third waits (${third} ms)`)
  t.ok(fourth > third && fourth <= 1000, `the fourth waits longer (${fourth} ms)`)
})
