/**
 * Benchmark servers run as child processes, pinned to their own core when the
 * machine has two or more (`taskset`), so that the load generator in this
 * process (pinned to the other) does not compete with them. A server prints
 * `READY <port>` on stdout when it listens.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((file) => existsSync(file))
const CORES = cpus().length

/** Where the servers run, and where the load generator runs: the last core, and the others. */
export const SERVER_CPUS = CORES >= 2 && TASKSET !== undefined ? String(CORES - 1) : undefined
const GENERATOR_CPUS = SERVER_CPUS !== undefined ? (CORES === 2 ? '0' : `0-${CORES - 2}`) : undefined

/** Pins this process (the load generator) away from the servers' core. */
export function pinGenerator (): string {
  if (GENERATOR_CPUS === undefined || TASKSET === undefined) return 'not pinned (one core, or no taskset)'
  execFileSync(TASKSET, ['-pc', GENERATOR_CPUS, String(process.pid)], { stdio: 'ignore' })
  return `servers on CPU ${SERVER_CPUS}, load generator on CPU ${GENERATOR_CPUS}`
}

/**
 * The command that runs `command args` on every core: a process started from
 * the pinned load generator would otherwise inherit its one core (start-up
 * time is measured as a deployment would see it).
 */
export function unpinned (command: string, args: string[]): [string, string[]] {
  return TASKSET !== undefined && CORES >= 2 ? [TASKSET, ['-c', `0-${CORES - 1}`, command, ...args]] : [command, args]
}

/** The command that runs `command args` on the servers' core. */
export function pinned (command: string, args: string[]): [string, string[]] {
  return SERVER_CPUS !== undefined && TASKSET !== undefined ? [TASKSET, ['-c', SERVER_CPUS, command, ...args]] : [command, args]
}

export interface BenchServer {
  port: number
  child: ChildProcess
  /** CPU seconds the process has used so far (user + system; Linux /proc), or NaN. */
  cpuSeconds (): number
  stop (): Promise<void>
}

/** Starts `node <script>` (TypeScript sources resolve through the workspace's source condition). */
export async function startServer (script: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<BenchServer> {
  const [command, args] = pinned(process.execPath, ['--conditions=@mcp-platform/source', ...nodeArgs, script])
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const port = await new Promise<number>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /READY (\d+)/.exec(output)
      if (match !== null) resolve(Number(match[1]))
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready:\n${output}`)))
  })
  return benchServer(child, port)
}

/** A started server: its CPU time, and a stop that waits for its exit. */
function benchServer (child: ChildProcess, port: number): BenchServer {
  return {
    port,
    child,
    cpuSeconds: () => cpuSeconds(child.pid!),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  }
}

/**
 * CPU seconds used by a process and its threads. Under taskset the pid is
 * taskset's, which execs the command: the same process.
 */
export function cpuSeconds (pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN
  }
}

/** The compiled server as `npm start` runs it (`apps/server/dist/main.js`: build first), on a free port. */
export async function startCompiled (env: Record<string, string>): Promise<BenchServer> {
  const [command, args] = pinned(process.execPath, ['apps/server/dist/main.js'])
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', MCP_STATE_SECRET: 'bench', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const port = await new Promise<number>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /MCP server listening on http:\/\/[^:]+:(\d+)/.exec(output)
      if (match !== null) resolve(Number(match[1]))
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.once('exit', (code) => reject(new Error(`the compiled server exited with ${code} before listening:\n${output}`)))
  })
  // Only the start-up lines matter; keep the pipe drained.
  child.stdout!.removeAllListeners('data').resume()
  child.stderr!.removeAllListeners('data').resume()
  return benchServer(child, port)
}
