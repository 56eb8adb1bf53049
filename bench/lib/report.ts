/** The suite's results as markdown tables (printed, and written into docs/benchmarks.md). */
import type { Row } from './rotation.ts'
import type { MemoryResult } from '../scenarios/memory.ts'
import type { StartupResult } from '../scenarios/startup.ts'

const rate = (value: number) => Math.round(value).toLocaleString('en-US')
export const percent = (value: number) => Number.isFinite(value) ? `${Math.round(100 * value)} %` : '–'

export function rowsTable (rows: Row[], unit: string): string {
  const lines = [
    `| server | ${unit}/s, median (min–max) | vs baseline, paired median (min–max) | per server CPU-s · vs baseline, paired | p50 / p99 ms | answers checked | errors | setup |`,
    '|---|---:|---:|---:|---:|---:|---:|---|'
  ]
  for (const row of rows) {
    lines.push(`| ${row.name} | ${rate(row.rate.median)} (${rate(row.rate.min)}–${rate(row.rate.max)}) | ` +
      `${percent(row.ratio.median)} (${percent(row.ratio.min)}–${percent(row.ratio.max)}) | ` +
      `${Number.isFinite(row.perCpu.median) ? `${rate(row.perCpu.median)} · ${percent(row.cpuRatio.median)}` : '–'} | ${row.p50} / ${row.p99.median} | ${row.checked.toLocaleString('en-US')} | ${row.errors} | ${row.note} |`)
  }
  return lines.join('\n')
}

export function memoryTable (results: MemoryResult[]): string {
  return ['| what | count | heap per item | RSS per item |', '|---|---:|---:|---:|',
    ...results.map((r) => `| ${r.what} | ${r.count.toLocaleString('en-US')} | ${(r.heapBytesEach / 1024).toFixed(2)} KiB | ${(r.rssBytesEach / 1024).toFixed(2)} KiB |`)
  ].join('\n')
}

export function startupTable (results: StartupResult[], runs: number): string {
  return [`| start-up to listening (${runs} runs) | median | min–max |`, '|---|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${Math.round(r.ms.median)} ms | ${Math.round(r.ms.min)}–${Math.round(r.ms.max)} ms |`)
  ].join('\n')
}
