/**
 * Start-up time: from spawn to the "MCP server listening" log line, with the
 * default configuration (fastify.config.ts: calculator, weather, db with the
 * embedded SQLite), compiled vs from the TypeScript sources. Runs alternate
 * between the variants; medians are reported. Build first (npm run build).
 *
 *   node bench/startup.ts [--runs 7]
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const index = process.argv.indexOf('--runs')
const runs = index === -1 ? 7 : Number(process.argv[index + 1])

const variants = [
  { name: 'compiled, npm start (scripts/start.mjs: mtime check + dist)', args: ['scripts/start.mjs'] },
  { name: 'compiled, node apps/server/dist/main.js', args: ['apps/server/dist/main.js'] },
  { name: 'sources, node --conditions=@mcp-platform/source apps/server/src/main.ts', args: ['--conditions=@mcp-platform/source', 'apps/server/src/main.ts'] }
]

/** CPU seconds a process has used so far, all threads (Linux /proc; user + system), or NaN elsewhere. */
function cpuSeconds (pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN
  }
}

async function startOnce (args: string[]): Promise<{ ms: number, cpu: number }> {
  const started = performance.now()
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, PORT: '0', MCP_STATE_SECRET: 'bench' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const elapsed = await new Promise<{ ms: number, cpu: number }>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('MCP server listening on')) resolve({ ms: performance.now() - started, cpu: cpuSeconds(child.pid!) })
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)))
  })
  child.kill('SIGTERM')
  await once(child, 'exit')
  return elapsed
}

const samples = variants.map(() => [] as number[])
const cpu = variants.map(() => [] as number[])
await startOnce(variants[0].args) // warm the file system cache (and build if needed)
for (let run = 0; run < runs; run++) {
  for (const [i, variant] of variants.entries()) {
    const { ms, cpu: seconds } = await startOnce(variant.args)
    samples[i].push(ms)
    cpu[i].push(seconds)
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
for (const [i, variant] of variants.entries()) {
  const sorted = [...samples[i]].sort((a, b) => a - b)
  process.stdout.write(`${variant.name}: median ${Math.round(median(samples[i]))} ms (min ${Math.round(sorted[0])}, max ${Math.round(sorted.at(-1)!)}, ${runs} runs), CPU ${median(cpu[i]).toFixed(2)} s (median)\n`)
}
