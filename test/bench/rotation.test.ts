/**
 * The suite's paired comparison (bench/lib/rotation.ts): a server measured
 * part way through a round is compared with the baseline interpolated to
 * that moment, so a machine that speeds up or slows down within a round does
 * not favour the servers measured early or late in it.
 */
import t from 'tap'
import { baselineAt, roundOrder } from '../../bench/lib/rotation.ts'
import { pairedRatios } from '../../bench/lib/stats.ts'

t.test('the baseline on the line between its measurements', async (t) => {
  // Measured at the start of three rounds (100, 200, 100) and once after the last (300).
  t.same(baselineAt([100, 200, 100], 300, 0), [100, 200, 100], 'the baseline itself: its own measurements')
  t.same(baselineAt([100, 200, 100], 300, 0.5), [150, 150, 200], 'half way through each round')
  t.same(baselineAt([100, 200, 100], 300, 0.25), [125, 175, 150])
  t.same(baselineAt([100, 200], undefined, 0.5), [150, 200], 'no closing measurement: the last round keeps its start')
})

t.test('a server as fast as a baseline that drifts steadily scores 1 wherever it sits in the round', async (t) => {
  // The machine gets 10 % faster per slot; four servers per round, all as fast as the baseline.
  const slots = 4
  const speedAt = (round: number, place: number) => 1000 * (1 + 0.1 * (round * slots + place))
  const starts = [0, 1, 2].map((round) => speedAt(round, 0))
  const closing = speedAt(3, 0)
  for (let place = 1; place < slots; place++) {
    const rates = [0, 1, 2].map((round) => speedAt(round, place))
    const ratio = pairedRatios(rates, baselineAt(starts, closing, place / slots))
    t.equal(Math.round(ratio.median * 1000) / 1000, 1, `place ${place} of the round`)
    const naive = pairedRatios(rates, starts)
    t.ok(naive.median > 1.05, `compared with the round's start alone it would score ${naive.median.toFixed(2)}`)
  }
})

t.test('the order turns by one place a round: every server takes every place after the baseline alike', async (t) => {
  t.same([1, 2, 3, 4].map((round) => roundOrder(4, round)), [[0, 1, 2, 3], [0, 2, 3, 1], [0, 3, 1, 2], [0, 1, 2, 3]])
  const placesOf = (server: number, rounds: number) => Array.from({ length: rounds }, (_, r) => roundOrder(5, r + 1).indexOf(server)).sort()
  for (let server = 1; server < 5; server++) t.same(placesOf(server, 4), [1, 2, 3, 4], `server ${server} once in each place in 4 rounds`)
  t.same(roundOrder(1, 3), [0], 'a baseline alone')
})

t.test('a place per round: each round compared with the baseline where the server sat in it', async (t) => {
  t.same(baselineAt([100, 200, 100], 300, [0.25, 0.5, 0]), [125, 150, 100])
  t.same(baselineAt([100, 200, 100], 300, [0.5, 0.5, 0.5]), baselineAt([100, 200, 100], 300, 0.5), 'the same place every round: as one fraction')
})
