/** Small statistics for benchmark rounds: the median, and the spread as min–max. */
export function median (values: number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export interface Spread { median: number, min: number, max: number }

export function spread (values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
}

/** The ratio of each round to its own baseline round, then their median: drift in machine speed cancels. */
export function pairedRatios (values: number[], baseline: number[]): Spread {
  return spread(values.map((value, i) => value / baseline[i]))
}
