/**
 * Starts a worker thread from a module next to the caller. The same code runs
 * as TypeScript (tests, where Node strips the types) and compiled to
 * JavaScript (`npm start`), so the sibling's extension follows the caller's.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads'

export function spawnWorker (moduleUrl: URL, options: WorkerOptions): Worker {
  // execArgv: [] so the worker does not inherit the parent's flags (test runners add their own).
  return new Worker(moduleUrl, { ...options, execArgv: [] })
}

/** The sibling module `name` with this build's extension (.ts from sources, .js when compiled). */
export function siblingModule (name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base)
}
