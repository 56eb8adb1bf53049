/**
 * Starts the server from its TypeScript sources (the code `npm start` runs
 * compiled), as a child process on a free port, and stops it when the test
 * ends.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Node arguments that run the server from its TypeScript sources: the export
 * condition makes `@mcp-platform/*` imports (fastify.config.ts, the plugins)
 * resolve to `src/` instead of the compiled `dist/`.
 */
export const FROM_SOURCES = ['--conditions=@mcp-platform/source', 'apps/server/src/main.ts']

export interface ServerProcess {
  url: string
  port: number
  child: ChildProcess
  /** Every log line the server printed so far. */
  logs: string[]
  stop (): Promise<number | null>
}

/** What `npm start` runs: the compiled server (rebuilt first when stale). */
export const COMPILED = ['scripts/start.mjs']

/**
 * Spawns the server (from sources unless `args` says otherwise) on a free
 * port and resolves once it listens; `stop()` sends SIGTERM. For tests use
 * `startServer`, which also stops it when the test ends.
 */
export async function launchServer (env: Record<string, string> = {}, args: string[] = FROM_SOURCES, cwd = ROOT): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', MCP_STATE_SECRET: 'test-secret', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const logs: string[] = []
  let exited = false
  child.on('exit', () => { exited = true })

  const url = await new Promise<string>((resolve, reject) => {
    const onLine = (line: string) => {
      logs.push(line)
      const match = /MCP server listening on (http:\/\/\S+)"/.exec(line)
      if (match !== null) resolve(match[1])
    }
    let buffer = ''
    const read = (chunk: Buffer) => {
      buffer += chunk.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      lines.forEach(onLine)
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${logs.join('\n')}${buffer}`)))
  })

  const stop = async () => {
    if (exited) return child.exitCode
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit') as [number | null]
    return code
  }
  return { url, port: Number(new URL(url).port), child, logs, stop }
}

/** `cwd`: where the server runs (its fastify.config.ts and relative plugin paths), e.g. a copy of the workspace. */
export async function startServer (t: Test, env: Record<string, string> = {}, args: string[] = FROM_SOURCES, cwd = ROOT): Promise<ServerProcess> {
  const server = await launchServer(env, args, cwd)
  t.teardown(async () => { await server.stop() })
  return server
}
