/**
 * Counters and histograms counted in plain numbers on the hot path and turned
 * into Prometheus series only when scraped. prom-client's own `inc` and
 * `observe` check and hash their labels on every call, even through
 * `labels(...)` children: on a trivial tool call that was the largest cost of
 * the metrics. Here a label set is resolved once to its tally, and counting is
 * a few additions. Registered in a prom-client Registry like its own metrics
 * (the registry only needs `get()` and `reset()`).
 */
import type { Registry } from 'prom-client'

type Labels = Record<string, string>

interface Value { labels: Labels, value: number, metricName?: string }

abstract class Tallied<T> {
  readonly aggregator = 'sum' as const
  protected readonly tallies = new Map<string, { labels: Labels, tally: T }>()
  abstract readonly type: 'counter' | 'histogram'

  readonly name: string
  readonly help: string

  constructor (name: string, help: string, registry: Registry) {
    this.name = name
    this.help = help
    registry.registerMetric(this as never)
  }

  /** The tally of one label set, made on first use (label sets must be bounded: the caller's job). */
  protected tallyFor (key: string, labels: () => Labels, create: () => T): T {
    let entry = this.tallies.get(key)
    if (entry === undefined) {
      entry = { labels: labels(), tally: create() }
      this.tallies.set(key, entry)
    }
    return entry.tally
  }

  reset (): void {
    this.tallies.clear()
  }

  protected abstract values (): Value[]

  async get (): Promise<{ name: string, help: string, type: string, values: Value[], aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator }
  }
}

export class CounterTally {
  value = 0
}

export class TallyCounter extends Tallied<CounterTally> {
  readonly type = 'counter'

  child (key: string, labels: () => Labels): CounterTally {
    return this.tallyFor(key, labels, () => new CounterTally())
  }

  protected values (): Value[] {
    return [...this.tallies.values()].map(({ labels, tally }) => ({ labels, value: tally.value }))
  }
}

export class HistogramTally {
  count = 0
  sum = 0
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly buckets: Float64Array

  readonly #bounds: readonly number[]

  constructor (bounds: readonly number[]) {
    this.#bounds = bounds
    this.buckets = new Float64Array(bounds.length + 1)
  }

  observe (value: number): void {
    this.count++
    this.sum += value
    const bounds = this.#bounds
    let i = 0
    while (i < bounds.length && value > bounds[i]) i++
    this.buckets[i]++
  }
}

export class TallyHistogram extends Tallied<HistogramTally> {
  readonly type = 'histogram'

  readonly bounds: readonly number[]

  constructor (name: string, help: string, registry: Registry, bounds: readonly number[]) {
    super(name, help, registry)
    this.bounds = bounds
  }

  child (key: string, labels: () => Labels): HistogramTally {
    return this.tallyFor(key, labels, () => new HistogramTally(this.bounds))
  }

  protected values (): Value[] {
    const values: Value[] = []
    for (const { labels, tally } of this.tallies.values()) {
      let cumulative = 0
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += tally.buckets[i]
        values.push({ labels: { le: i < this.bounds.length ? String(this.bounds[i]) : '+Inf', ...labels }, value: cumulative, metricName: `${this.name}_bucket` })
      }
      values.push({ labels, value: tally.sum, metricName: `${this.name}_sum` }, { labels, value: tally.count, metricName: `${this.name}_count` })
    }
    return values
  }
}
