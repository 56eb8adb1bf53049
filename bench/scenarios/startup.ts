/**
 * Start-up time: from spawn to the "MCP server listening" log line, with the
 * default configuration (fastify.config.ts: calculator, weather, db with the
 * embedded SQLite), the compiled build (`apps/server/dist/main.js`, what
 * `npm start` runs) and the TypeScript sources; runs alternate. The servers
 * may use every core, as a deployment's would.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { ROOT, unpinned } from '../lib/process.ts'
import { spread, type Spread } from '../lib/stats.ts'

export interface StartupResult { name: string, ms: Spread }

/** The row the start-up target names (bench/lib/targets.ts). */
export const COMPILED = 'compiled (node apps/server/dist/main.js)'

const VARIANTS = [
  { name: COMPILED, args: ['apps/server/dist/main.js'] },
  { name: 'sources (node --conditions=@mcp-platform/source apps/server/src/main.ts)', args: ['--conditions=@mcp-platform/source', 'apps/server/src/main.ts'] }
]

async function startOnce (args: string[]): Promise<number> {
  const started = performance.now()
  const [command, commandArgs] = unpinned(process.execPath, args)
  const child = spawn(command, commandArgs, { cwd: ROOT, env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', MCP_STATE_SECRET: 'bench' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const ms = await new Promise<number>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('MCP server listening on')) resolve(performance.now() - started)
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)))
  })
  child.kill('SIGTERM')
  await once(child, 'exit')
  return ms
}

export async function measureStartup (runs: number): Promise<StartupResult[]> {
  await startOnce(VARIANTS[0].args) // the file system cache warm
  const samples = VARIANTS.map(() => [] as number[])
  for (let run = 0; run < runs; run++) {
    for (const [i, variant] of VARIANTS.entries()) samples[i].push(await startOnce(variant.args))
  }
  return VARIANTS.map((variant, i) => ({ name: variant.name, ms: spread(samples[i]) }))
}
