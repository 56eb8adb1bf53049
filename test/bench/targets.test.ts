/**
 * The suite's targets table (bench/lib/targets.ts): each target is read from
 * the row the scenarios really produce, judged on the paired median against
 * the bare route, and a target a run did not measure says so rather than
 * passing or failing.
 */
import t from 'tap'
import type { Row } from '../../bench/lib/rotation.ts'
import { targetChecks, targetsTable } from '../../bench/lib/targets.ts'
import { CALL_ROWS, callTargets } from '../../bench/scenarios/http.ts'

const row = (name: string, ratio: number, cpuRatio: number): Row => {
  const at = (median: number) => ({ median, min: median, max: median })
  return { name, note: '', rate: at(1000), p50: 1, p99: at(2), perCpu: at(1000), cpuRatio: at(cpuRatio), ratio: at(ratio), errors: 0, checked: 1, rounds: [1000] }
}

t.test('the rows the targets name are rows of the call scenario', async (t) => {
  const names = callTargets().map((target) => target.name)
  for (const name of Object.values(CALL_ROWS)) t.ok(names.includes(name), name)
})

t.test('a throughput target is judged on the paired median, the CPU ratio shown beside it', async (t) => {
  const call = [row(CALL_ROWS.baseline, 1, 1), row(CALL_ROWS.modern, 0.7, 0.68), row(CALL_ROWS.session, 0.69, 0.75), row(CALL_ROWS.trivial, 0.75, 0.72)]
  const [trivial, session] = targetChecks({ call })
  t.equal(trivial.met, true, '75 % meets ≥ 75 %')
  t.equal(trivial.measured, '75 % (by CPU per answer 72 %)')
  t.equal(session.met, false, '69 % misses ≥ 70 %, whatever the CPU ratio')
  const table = targetsTable({ call })
  t.match(table, /≥ 70 % of the bare route \| 69 % \(by CPU per answer 75 %\) \| \*\*not met\*\*/)
  t.match(table, /`tools\/call calculate` .*: 70 % \(by CPU per answer 68 %\)\./, 'calculate given for comparison')
  t.notMatch(table, /A\/A control/, 'no noise line without the control row')
  t.match(targetsTable({ call, quick: true }), /≥ 70 % of the bare route \| 69 % \(by CPU per answer 75 %\) \| not judged: a quick run is one short round \|/,
    'a quick run shows the ratios without judging them')
  t.match(targetsTable({ call: [...call, row(CALL_ROWS.control, 0.74, 0.7)] }), /The A\/A control, the same server again as a row of its own: 74 % \(by CPU per answer 70 %\)\./)
})

t.test('memory, start-up and suite time against their limits; what a run did not measure is not judged', async (t) => {
  const checks = targetChecks({
    memory: [{ what: 'idle 2025-11-25 session (HTTP)', count: 10_000, heapBytesEach: 1100, rssBytesEach: 1300 }],
    startup: [{ name: 'compiled (node apps/server/dist/main.js)', ms: { median: 530, min: 494, max: 725 } }]
  })
  t.same(checks.map((c) => [c.measured, c.met]), [
    [undefined, false],
    [undefined, false],
    ['1.07 KiB', false],
    ['530 ms', true],
    [undefined, false]
  ])
  t.match(targetsTable({}), /≥ 75 % of the bare route \| – \| not measured in this run \|/)
  t.notMatch(targetsTable({}), /For comparison/, 'no calculate line without the call scenario')
  t.match(targetsTable({ fullRunMinutes: 4.4 }), /under 5 minutes \| 4.4 min \| met \|/)
})
