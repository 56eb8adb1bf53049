/**
 * Starts the server from its sources as a child process spawned from a worker
 * thread. Under tap, every spawn of the test process goes through tap's
 * process-info hook, which adds a preload to the child's NODE_OPTIONS; that
 * preload calls `process.binding()`, which Node's permission model denies, so
 * an isolated plugin's sandboxed process could not start in a server spawned
 * the usual way (test/helpers/server-process.ts). A worker thread has its own,
 * unhooked `child_process`, and the server gets an environment without the
 * hook's variables: it runs as `npm start` would.
 */
import { Worker } from 'node:worker_threads'
import type { Test } from 'tap'
import { ROOT } from './server-process.ts'

export interface UnwrappedServer {
  url: string
  pid: number
  logs: string[]
  stop (): Promise<void>
}

const LAUNCHER = `
const { spawn } = require('node:child_process')
const { parentPort, workerData } = require('node:worker_threads')
const child = spawn(process.execPath, workerData.args, { cwd: workerData.cwd, env: workerData.env, stdio: ['ignore', 'pipe', 'pipe'] })
parentPort.postMessage({ pid: child.pid })
let buffer = ''
const read = (chunk) => {
  buffer += chunk.toString()
  const lines = buffer.split('\\n')
  buffer = lines.pop()
  for (const line of lines) parentPort.postMessage({ line })
}
child.stdout.on('data', read)
child.stderr.on('data', read)
child.on('exit', (code, signal) => { parentPort.postMessage({ exit: code ?? signal }) })
`

export async function startUnwrappedServer (t: Test, env: Record<string, string>): Promise<UnwrappedServer> {
  const clean = Object.fromEntries(Object.entries(process.env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[0] !== 'NODE_OPTIONS' && !entry[0].startsWith('_TAPJS_')))
  const worker = new Worker(LAUNCHER, {
    eval: true,
    execArgv: [],
    workerData: {
      cwd: ROOT,
      args: ['--conditions=@mcp-platform/source', 'apps/server/src/main.ts'],
      env: { ...clean, PORT: '0', LOG_LEVEL: 'info', MCP_STATE_SECRET: 'test-secret', ...env }
    }
  })
  const logs: string[] = []
  let pid = 0
  let exited: ((code: unknown) => void) | undefined
  const exit = new Promise((resolve) => { exited = resolve })
  const url = await new Promise<string>((resolve, reject) => {
    worker.on('message', (message: { pid?: number, line?: string, exit?: unknown }) => {
      if (message.pid !== undefined) pid = message.pid
      if (message.line !== undefined) {
        logs.push(message.line)
        const match = /MCP server listening on (http:\/\/\S+)"/.exec(message.line)
        if (match !== null) resolve(match[1])
      }
      if ('exit' in message) {
        exited?.(message.exit)
        reject(new Error(`server exited (${String(message.exit)}) before listening:\n${logs.join('\n')}`))
      }
    })
    worker.once('error', reject)
  })
  const stop = async (): Promise<void> => {
    try { process.kill(pid, 'SIGTERM') } catch {}
    await exit
    await worker.terminate()
  }
  t.teardown(stop)
  return { url, pid, logs, stop }
}
