/**
 * What every benchmark server offers, so that they all do the same work:
 * `calculate` (the calculator's evaluator; the bare baselines answer its
 * result without evaluating), `count` (sends progress notifications, then
 * answers), and filler tools up to BENCH_TOOLS tools in all for the
 * `tools/list` scenario. Requests evaluate EXPRESSION; the answer is ANSWER.
 */
export const EXPRESSION = '2+3'
export const ANSWER = 5
/** Progress notifications `count` sends before its answer. */
export const PROGRESS_STEPS = 3

/** How many tools a server registers in all (calculate and count included). */
export const TOOL_COUNT = Math.max(2, Number(process.env.BENCH_TOOLS ?? 2))

export interface FillerTool { name: string, description: string }

/** The filler tools: one string argument each. */
export const FILLER_TOOLS: FillerTool[] = Array.from({ length: TOOL_COUNT - 2 }, (_, i) => ({
  name: `tool_${i}`,
  description: `Filler tool ${i} of the tools/list benchmark: echoes its text argument.`
}))

export const SERVER_INFO = { name: 'mcp-platform', version: '0.1.0' }

/** Prints the READY line the benchmark waits for, and exits cleanly on SIGTERM (so --cpu-prof writes its profile). */
export function ready (port: number): void {
  process.stdout.write(`READY ${port}\n`)
  process.on('SIGTERM', () => process.exit(0))
}
