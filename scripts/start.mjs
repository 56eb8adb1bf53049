/**
 * `npm start` and `npm run stdio` (arguments pass through): runs the compiled server (apps/server/dist/main.js), building
 * first when a workspace's `dist/` is missing or older than its sources.
 *
 * The workspaces are the references of the root `tsconfig.build.json` (each a
 * `<workspace>/tsconfig.build.json` compiling `src/` to `dist/`). A workspace
 * is stale when its build info (`dist/tsconfig.build.tsbuildinfo`, which
 * `tsc -b` rewrites or re-stamps on every successful build) is missing, or
 * older than a file under its `src/`, its tsconfig or a tsconfig it extends.
 * Then `tsc -b tsconfig.build.json` runs (it rebuilds only what changed) and
 * the build infos are stamped; when everything is up to date, the check is a
 * few dozen stat calls.
 *
 * The server runs in this process (imported, not spawned), so signals reach
 * its handlers directly and its exit code is this script's.
 * Plain JavaScript on purpose: it must run before anything is compiled.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BUILD_CONFIG = join(ROOT, 'tsconfig.build.json')
const MAIN = join(ROOT, 'apps/server/dist/main.js')

/** Newest mtime (ms) of the files under `dir`, 0 when there are none. */
function newestUnder (dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

/** A tsconfig and the relative tsconfigs it extends, as absolute paths. */
function configChain (file) {
  const chain = []
  let current = file
  while (current !== undefined && existsSync(current) && !chain.includes(current)) {
    chain.push(current)
    const { extends: parent } = JSON.parse(readFileSync(current, 'utf8'))
    current = typeof parent === 'string' && parent.startsWith('.') ? resolve(dirname(current), parent) : undefined
  }
  return chain
}

/** The workspaces' build info files (one per reference of the root tsconfig.build.json). */
function buildInfos () {
  const { references = [] } = JSON.parse(readFileSync(BUILD_CONFIG, 'utf8'))
  return references.map(({ path }) => {
    const config = resolve(ROOT, path)
    const dir = dirname(config)
    // A workspace compiles its src/; tsconfig.config.json compiles the files it lists (fastify.config.ts).
    const { compilerOptions = {}, files } = JSON.parse(readFileSync(config, 'utf8'))
    return {
      path,
      config,
      workspace: dir,
      info: join(dir, compilerOptions.tsBuildInfoFile ?? 'dist/tsconfig.build.tsbuildinfo'),
      inputs: Array.isArray(files) ? files.map((file) => join(dir, file)) : undefined
    }
  })
}

/** Why the build is needed, or undefined when every workspace is up to date. */
function staleReason () {
  for (const { path, config, workspace, info, inputs: files } of buildInfos()) {
    if (!existsSync(info)) return `${path}: no build yet`
    const built = statSync(info).mtimeMs
    const sources = files !== undefined ? Math.max(0, ...files.map((file) => statSync(file).mtimeMs)) : newestUnder(join(workspace, 'src'))
    const inputs = Math.max(sources,
      ...configChain(config).map((file) => statSync(file).mtimeMs))
    if (inputs > built) return `${path}: sources changed since the last build`
  }
  if (!existsSync(MAIN)) return `${MAIN} is missing`
  return undefined
}

let reason
try {
  reason = staleReason()
} catch (error) {
  // Anything unexpected (an unreadable tsconfig, say): let tsc -b decide.
  reason = `could not check the build (${error.message})`
}

if (reason !== undefined) {
  let tsc
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  } catch {
    process.stderr.write(`The compiled server needs a build (${reason}), but TypeScript is not installed: run npm install (with dev dependencies).\n`)
    process.exit(1)
  }
  process.stderr.write(`Building (${reason}): tsc -b tsconfig.build.json\n`)
  const started = performance.now()
  // tsc's output goes to stderr: under --stdio, stdout is for MCP messages only.
  const build = spawnSync(process.execPath, [tsc, '-b', BUILD_CONFIG], { cwd: ROOT, stdio: ['ignore', 2, 2] })
  if (build.status !== 0) {
    process.stderr.write(`Build failed (${build.signal ?? `exit code ${build.status}`}); not starting.\n`)
    process.exit(build.status ?? 1)
  }
  // tsc -b re-stamps its build info only for inputs it tracks; stamp them all
  // so a file it ignores (a non-TypeScript file under src/) cannot force a
  // build at every start.
  const now = new Date()
  for (const { info } of buildInfos()) if (existsSync(info)) utimesSync(info, now, now)
  process.stderr.write(`Built in ${Math.round(performance.now() - started)} ms\n`)
}

await import(pathToFileURL(MAIN).href)
