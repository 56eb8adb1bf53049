/**
 * The chart of docs/benchmarks.md: one panel per throughput scenario, one bar
 * per server, its length the median rate relative to the scenario's baseline
 * (the bare server = 100 %), with the spread over the rounds as a whisker.
 * Plain SVG written by hand: no charting package for a few dozen rectangles.
 */
import type { Row } from './rotation.ts'

export interface Panel { title: string, rows: Row[] }

const WIDTH = 860
const LABEL = 300
const BAR_AREA = WIDTH - LABEL - 120
const BAR = 16
const GAP = 6

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function chart (panels: Panel[], caption: string): string {
  const max = Math.max(1, ...panels.flatMap((panel) => panel.rows.map((row) => row.ratio.max)))
  const scale = (ratio: number) => Math.round((ratio / max) * BAR_AREA)
  const parts: string[] = []
  let y = 40
  for (const panel of panels) {
    parts.push(`<text x="10" y="${y}" font-weight="bold">${escape(panel.title)}</text>`)
    y += 12
    for (const [i, row] of panel.rows.entries()) {
      const platform = row.name.startsWith('mcp-platform') || row.name.includes('instance')
      const color = i === 0 ? '#9e9e9e' : platform ? '#1565c0' : '#ef6c00'
      const width = scale(row.ratio.median)
      parts.push(
        `<text x="${LABEL - 8}" y="${y + BAR - 4}" text-anchor="end">${escape(row.name)}</text>`,
        `<rect x="${LABEL}" y="${y}" width="${Math.max(1, width)}" height="${BAR}" fill="${color}"/>`,
        `<line x1="${LABEL + scale(row.ratio.min)}" x2="${LABEL + scale(row.ratio.max)}" y1="${y + BAR / 2}" y2="${y + BAR / 2}" stroke="#212121"/>`,
        `<text x="${LABEL + Math.max(width, scale(row.ratio.max)) + 6}" y="${y + BAR - 4}">${Math.round(100 * row.ratio.median)} % · ${Math.round(row.rate.median).toLocaleString('en-US')}/s</text>`
      )
      y += BAR + GAP
    }
    y += 18
  }
  const x100 = LABEL + scale(1)
  parts.push(`<line x1="${x100}" x2="${x100}" y1="28" y2="${y - 18}" stroke="#616161" stroke-dasharray="4 3"/>`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 20}" viewBox="0 0 ${WIDTH} ${y + 20}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="13">${escape(caption)}</text>
${parts.join('\n')}
<text x="10" y="${y + 8}" fill="#616161">grey: the bare baseline (100 %, dashed line) · blue: mcp-platform · orange: other MCP servers · whisker: spread over the rounds</text>
</svg>
`
}
