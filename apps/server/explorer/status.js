// The header's live figures: /health, and from /metrics (Prometheus text) calls, errors and
// mean latency by tool. Refreshed every few seconds while the tab is visible.

import { el, fill } from './dom.js'

const REFRESH_MS = 5000

export function startStatus (endpoints, token) {
  const refresh = async () => {
    if (document.visibilityState === 'hidden') return
    const headers = token() === '' ? {} : { authorization: `Bearer ${token()}` }
    if (endpoints.health !== undefined && endpoints.health !== null) {
      try {
        const response = await fetch(endpoints.health, { headers })
        const body = await response.json()
        const parts = [`Health: ${body.status ?? response.status}`]
        if (typeof body.uptimeSeconds === 'number') parts.push(`up ${body.uptimeSeconds} s`, `${body.inFlight} in flight`, `${body.tools} tools`)
        fill(document.getElementById('health'), parts.join(' · '))
      } catch (error) {
        fill(document.getElementById('health'), `Health: unreachable (${error.message})`)
      }
    }
    if (endpoints.metrics !== undefined && endpoints.metrics !== null) {
      try {
        const response = await fetch(endpoints.metrics, { headers })
        if (response.ok) showMetrics(parseMetrics(await response.text()))
      } catch {
        // Metrics are a nicety: the next refresh tries again.
      }
    }
  }
  refresh()
  setInterval(refresh, REFRESH_MS)
  return refresh
}

/** Tool calls, errors and latency by tool, from the Prometheus text format. */
export function parseMetrics (text) {
  const tools = new Map()
  const entry = (tool) => {
    if (!tools.has(tool)) tools.set(tool, { calls: 0, errors: 0, seconds: 0, timed: 0 })
    return tools.get(tool)
  }
  for (const line of text.split('\n')) {
    const match = /^(mcp_tool_calls_total|mcp_tool_call_duration_seconds_sum|mcp_tool_call_duration_seconds_count)\{([^}]*)\} ([0-9.eE+-]+)$/.exec(line)
    if (match === null) continue
    const labels = Object.fromEntries([...match[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]))
    const value = Number(match[3])
    const figures = entry(labels.tool ?? '?')
    if (match[1] === 'mcp_tool_calls_total') {
      figures.calls += value
      if (labels.outcome === 'error' || labels.outcome === 'tool_error') figures.errors += value
    } else if (match[1].endsWith('_sum')) {
      figures.seconds += value
    } else {
      figures.timed += value
    }
  }
  return tools
}

function showMetrics (tools) {
  const rows = [...tools].filter(([, figures]) => figures.calls > 0).sort((a, b) => b[1].calls - a[1].calls).slice(0, 8)
  const target = document.getElementById('metrics')
  if (rows.length === 0) return fill(target, el('p', { class: 'muted' }, 'Metrics: no tool calls yet.'))
  fill(target, el('table', { 'aria-label': 'Tool calls (from /metrics)' },
    el('thead', {}, el('tr', {}, ...['tool', 'calls', 'errors', 'mean latency'].map((name) => el('th', { scope: 'col' }, name)))),
    el('tbody', {}, ...rows.map(([tool, figures]) => el('tr', {},
      el('td', {}, tool), el('td', {}, String(figures.calls)), el('td', {}, String(figures.errors)),
      el('td', {}, figures.timed > 0 ? `${(figures.seconds / figures.timed * 1000).toFixed(1)} ms` : '—'))))))
}
