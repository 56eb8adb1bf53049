/**
 * A throwaway Redis server for tests: Debian's `redis-server` on a free
 * loopback port, no persistence, its folder in a temp dir. Teardown stops it
 * and removes the folder, also when the test fails; `stop()` and `start()`
 * take it down and bring it back on the same port (outage tests).
 *
 * Missing binary: under CI=true the test fails (CI must install Debian's
 * `redis-server` package); locally the test is skipped with a loud reason.
 *
 *   const redis = await startRedis(t)
 *   if (redis === undefined) return  // skipped
 *   … redis.url …
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { findBinary, missingBinary } from './binaries.ts'
import { freePort } from './postgres.ts'

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string
  port: number
  stop (): Promise<void>
  start (): Promise<void>
}

export async function startRedis (t: Test): Promise<RedisServer | undefined> {
  const binary = findBinary('redis-server', process.env.REDIS_SERVER)
  if (binary === undefined) {
    missingBinary(t, 'Redis', '"redis-server" not found: install Debian\'s "redis-server" package')
    return undefined
  }
  const dir = await mkdtemp(join(tmpdir(), 'redistest-'))
  const port = await freePort()
  let child: ChildProcess | undefined

  const start = async (): Promise<void> => {
    const server = spawn(binary, [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      // A test server: nothing written to disk, no protected mode prompts.
      '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'
    ], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    server.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child = server
    await waitForPort(port, server, () => stderr)
  }
  const stop = async (): Promise<void> => {
    const server = child
    child = undefined
    if (server === undefined || server.exitCode !== null) return
    server.kill('SIGKILL')
    await once(server, 'exit')
  }
  const onExit = (): void => { child?.kill('SIGKILL') }
  process.once('exit', onExit)
  t.teardown(async () => {
    await stop()
    process.removeListener('exit', onExit)
    await rm(dir, { recursive: true, force: true })
  })

  await start()
  return { url: `redis://127.0.0.1:${port}`, port, stop, start }
}

/** Resolves once something accepts connections on the port; rejects if the process exits first. */
export async function waitForPort (port: number, child: ChildProcess, output: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before listening:\n${output()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms:\n${output()}`)
}
