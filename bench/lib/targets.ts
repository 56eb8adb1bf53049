/**
 * The benchmark issue's targets, checked against a run's own figures: one
 * table at the top of the results, so a reader sees at a glance which hold.
 * A throughput target is the row's paired median against the bare route (the
 * issue's measure); its paired CPU-per-answer ratio is shown beside it, since
 * a load generator that holds the baseline back flatters the throughput one.
 */
import { CALL_ROWS } from '../scenarios/http.ts'
import { IDLE_SESSION, type MemoryResult } from '../scenarios/memory.ts'
import { COMPILED, type StartupResult } from '../scenarios/startup.ts'
import { percent } from './report.ts'
import type { Row } from './rotation.ts'

export interface RunFigures {
  /** The `call` scenario's rows, if it ran. */
  call?: Row[]
  startup?: StartupResult[]
  memory?: MemoryResult[]
  /** Minutes of a full run (every scenario, default rounds); undefined for a quick or partial one. */
  fullRunMinutes?: number
  /** A --quick run: one short round with a short warm-up, too little to judge a ratio by. */
  quick?: boolean
}

export interface Check {
  target: string
  /** As printed; undefined when the run did not measure it. */
  measured: string | undefined
  met: boolean
  /** A ratio to the bare route: one short quick-mode round is not enough to judge it. */
  ratio?: true
}

const ratios = (row: Row) => `${percent(row.ratio.median)}${Number.isFinite(row.cpuRatio.median) ? ` (by CPU per answer ${percent(row.cpuRatio.median)})` : ''}`

function callCheck (rows: Row[] | undefined, name: string, target: string, least: number): Check {
  const row = rows?.find((r) => r.name === name)
  if (row === undefined) return { target, measured: undefined, met: false, ratio: true }
  return { target, measured: ratios(row), met: row.ratio.median >= least, ratio: true }
}

export function targetChecks (run: RunFigures): Check[] {
  const session = run.memory?.find((m) => m.what === IDLE_SESSION)
  const compiled = run.startup?.find((s) => s.name === COMPILED)
  return [
    callCheck(run.call, CALL_ROWS.trivial, '2026-07-28 `tools/call` of a trivial tool (`constant`: the calculator\'s schemas, no evaluator, as the bare route) ≥ 75 % of the bare route', 0.75),
    callCheck(run.call, CALL_ROWS.session, '2025-11-25 session `tools/call calculate` ≥ 70 % of the bare route', 0.70),
    {
      target: 'heap per idle 2025-era session ≤ 1 KiB',
      measured: session === undefined ? undefined : `${(session.heapBytesEach / 1024).toFixed(2)} KiB`,
      met: session !== undefined && session.heapBytesEach <= 1024
    },
    {
      target: 'start-up of the compiled build to listening ≤ 1 s (median)',
      measured: compiled === undefined ? undefined : `${Math.round(compiled.ms.median)} ms`,
      met: compiled !== undefined && compiled.ms.median <= 1000
    },
    {
      target: '`npm run bench` in under 5 minutes',
      measured: run.fullRunMinutes === undefined ? undefined : `${run.fullRunMinutes} min`,
      met: run.fullRunMinutes !== undefined && run.fullRunMinutes < 5
    }
  ]
}

function verdict (check: Check, quick: boolean): string {
  if (check.measured === undefined) return 'not measured in this run'
  if (quick && check.ratio === true) return 'not judged: a quick run is one short round'
  return check.met ? 'met' : '**not met**'
}

/** The checks as a table; `checks` when the caller has them already (the suite also writes them to the JSON). */
export function targetsTable (run: RunFigures, checks = targetChecks(run)): string {
  const lines = ['| target | this run | |', '|---|---:|---|',
    ...checks.map((c) => `| ${c.target} | ${c.measured ?? '–'} | ${verdict(c, run.quick === true)} |`)]
  const calculate = run.call?.find((r) => r.name === CALL_ROWS.modern)
  const control = run.call?.find((r) => r.name === CALL_ROWS.control)
  if (calculate !== undefined) {
    lines.push('', `For comparison, the 2026-07-28 \`tools/call calculate\` (the calculator's evaluator on \`2+3\`, which the bare route does not run): ${ratios(calculate)}.`)
  }
  if (calculate !== undefined && control !== undefined) {
    lines.push(`The A/A control, the same server again as a row of its own: ${ratios(control)}. Differences between rows smaller than the one between these two are this run's noise.`)
  }
  return lines.join('\n')
}
