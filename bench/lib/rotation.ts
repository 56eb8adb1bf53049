/**
 * Runs one scenario: every server is started and checked first, then the
 * rounds alternate between them, so that a machine that gets busier or
 * quieter during the run shifts every server alike. Each round starts with
 * the baseline (A); the others follow in an order that turns by one place
 * each round (A B C D, A C D B, A D B C, …), and one more A closes the run.
 * The order turns because a fixed one looked biased by place: in six runs of
 * 2026-12-03 with two rows of the very same server, second and fourth in
 * every round, the one measured right after the baseline came out lower in
 * five, by up to 9 points. Turning the order gives every server every place
 * alike, whatever the cause; the A/A control row of the headline scenario
 * shows how far two identical servers still land apart in a run (the
 * machine's own noise).
 *
 * Each round's rate is also divided by the baseline's rate at the same
 * moment: a server measured part way through a round is compared with the
 * line between the baseline's measurement at the round's start and the next
 * one, at its place in that round (this machine's speed drifts within
 * seconds, and a server measured late in a round would otherwise be compared
 * with a baseline from several windows before). The median of those paired
 * ratios is reported beside the plain medians.
 */
import type { BenchServer } from './process.ts'
import { spread, pairedRatios, type Spread } from './stats.ts'

export interface Target<Load> {
  name: string
  /** What the row stands for: protocol era, mode, how the server is set up. */
  note: string
  start (): Promise<BenchServer>
  /** Prepares the load for a started server (a session, say) and proves one answer right. */
  prepare (server: BenchServer): Promise<Load>
}

export interface RoundResult { rate: number, p50: number, p99: number, errors: number, checked: number }

export interface Row {
  name: string
  note: string
  rate: Spread
  p50: number
  p99: Spread
  /** Answers per CPU-second of the server process: less sensitive to a busy machine than the rate. */
  perCpu: Spread
  /** Answers per CPU-second ÷ the baseline's, paired like `ratio`: NaN where CPU time is not known. */
  cpuRatio: Spread
  /** Rate ÷ the baseline's rate in the same round (the first target is the baseline). */
  ratio: Spread
  errors: number
  checked: number
  rounds: number[]
}

export interface RotationOptions<Load> {
  rounds: number
  seconds: number
  warmupSeconds: number
  run (load: Load, server: BenchServer, seconds: number): Promise<RoundResult>
  log (line: string): void
}

export async function rotate<Load> (targets: Array<Target<Load>>, options: RotationOptions<Load>): Promise<Row[]> {
  const running: Array<{ target: Target<Load>, server: BenchServer, load: Load, results: RoundResult[], perCpu: number[], places: number[] }> = []
  let closing: { rate: number, perCpu: number } | undefined
  try {
    for (const target of targets) {
      const server = await target.start()
      try {
        const load = await target.prepare(server)
        const warm = await options.run(load, server, options.warmupSeconds) // JIT, connection set-up
        if (warm.errors > 0) throw new Error(`${warm.errors} wrong answers or errors in the warm-up`)
        running.push({ target, server, load, results: [], perCpu: [], places: [] })
      } catch (error) {
        await server.stop()
        throw new Error(`${target.name}: ${(error as Error).message}`, { cause: error })
      }
    }
    for (let round = 1; round <= options.rounds; round++) {
      for (const [place, index] of roundOrder(running.length, round).entries()) {
        const entry = running[index]
        entry.places.push(place / running.length)
        const before = entry.server.cpuSeconds()
        const result = await options.run(entry.load, entry.server, options.seconds)
        const cpu = entry.server.cpuSeconds() - before
        entry.results.push(result)
        entry.perCpu.push(result.rate * options.seconds / cpu)
        options.log(`  round ${round}/${options.rounds} ${entry.target.name}: ${Math.round(result.rate)}/s, p99 ${result.p99} ms${result.errors > 0 ? `, ${result.errors} errors` : ''}`)
      }
    }
    if (running.length > 1) {
      const baseline = running[0]
      const before = baseline.server.cpuSeconds()
      const result = await options.run(baseline.load, baseline.server, options.seconds)
      closing = { rate: result.rate, perCpu: result.rate * options.seconds / (baseline.server.cpuSeconds() - before) }
      options.log(`  closing ${baseline.target.name}: ${Math.round(result.rate)}/s`)
    }
  } finally {
    for (const entry of running) await entry.server.stop()
  }
  const starts = running[0].results.map((result) => result.rate)
  const cpuStarts = running[0].perCpu
  return running.map(({ target, results, perCpu, places }) => ({
    name: target.name,
    note: target.note,
    rate: spread(results.map((r) => r.rate)),
    p50: spread(results.map((r) => r.p50)).median,
    p99: spread(results.map((r) => r.p99)),
    perCpu: spread(perCpu),
    ratio: pairedRatios(results.map((r) => r.rate), baselineAt(starts, closing?.rate, places)),
    cpuRatio: pairedRatios(perCpu, baselineAt(cpuStarts, closing?.perCpu, places)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    checked: results.reduce((sum, r) => sum + r.checked, 0),
    rounds: results.map((r) => Math.round(r.rate))
  }))
}

/**
 * The order of round `round` (from 1) among `count` servers: the baseline
 * (index 0) first, then the others turned by one place per round.
 */
export function roundOrder (count: number, round: number): number[] {
  const others = count - 1
  return [0, ...Array.from({ length: others }, (_, i) => 1 + (i + round - 1) % others)]
}

/**
 * The baseline's rate, round by round, at `fraction` of the way through each
 * round (one fraction for every round, or one per round): on the line from
 * its measurement at the round's start to the next one (the next round's
 * start, or the closing measurement after the last).
 */
export function baselineAt (starts: number[], closing: number | undefined, fraction: number | number[]): number[] {
  return starts.map((start, i) => {
    const next = i + 1 < starts.length ? starts[i + 1] : closing ?? start
    return start + (next - start) * (typeof fraction === 'number' ? fraction : fraction[i])
  })
}
