/**
 * Starts a worker thread from a module next to the caller, whether the code
 * runs as TypeScript under tsx (dev, tests, `npm start`) or compiled to JS.
 *
 * Why the detour for .ts: on Node 20 the loaders that `--import tsx` installs
 * in the main thread do not reach a worker's entry module, and passing
 * `execArgv: ['--import', 'tsx']` does not help either (the entry still fails
 * with ERR_UNKNOWN_FILE_EXTENSION). So the worker starts from a one-line
 * script that registers tsx's loader itself, then imports the real module.
 * tsx is resolved from here, so the worker does not depend on the cwd.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads'

export function spawnWorker (moduleUrl: URL, options: WorkerOptions): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options)
  const tsxApi = import.meta.resolve('tsx/esm/api')
  const bootstrap =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}) })`
  // execArgv: [] so the worker does not inherit the parent's flags (test runners add their own loaders).
  return new Worker(bootstrap, { ...options, eval: true, execArgv: [] })
}

/** The sibling module `name` with this build's extension (.ts under tsx, .js when compiled). */
export function siblingModule (name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base)
}
