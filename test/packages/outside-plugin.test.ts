/**
 * The README's "A plugin in a repository of its own", done as a user would,
 * in a temporary folder outside this repository: the server package as npm
 * would publish it (compiled, packed: `npm pack` of apps/server, since it is
 * not on the registry), installed with @sinclair/typebox from the npm
 * registry (cached by `npm ci`); the README's `greeter` as the folder's
 * index.ts; then `mcp-platform --stdio` (an SDK client calls the tool) and
 * `mcp-platform` over HTTP with a fastify.config.ts listing the plugin; and
 * a second folder that installs the server and the plugin as packages and
 * loads the plugin by its package name.
 *
 * Slow (a compile and an npm install): about a minute on a quiet machine.
 */
import { execFile, spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { ROOT } from '../helpers/server-process.ts'

t.setTimeout(600_000)
const run = promisify(execFile)
const work = mkdtempSync(join(tmpdir(), 'mcp-outside-'))
t.teardown(() => { rmSync(work, { recursive: true, force: true }) })

/** The bin's `#!/usr/bin/env node` must find the Node 24 that runs the tests. */
const PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`
const npm = async (cwd: string, ...args: string[]) => await run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
  cwd, env: { ...process.env, PATH }, timeout: 300_000
})

/** The README's greeter, as written there. */
function readmeGreeter (): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]).find((code) => code.includes('const greeter'))
  if (block === undefined) throw new Error('README.md has no ```ts block with the greeter plugin')
  return block
}

const greeter = join(work, 'greeter')
const deployment = join(work, 'deployment')

t.before(async () => {
  // The package as `npm pack -w apps/server` makes it, built into a copy (the repository's dist/ may be rebuilt by other tests meanwhile).
  const pkg = join(work, 'server-package')
  mkdirSync(pkg)
  cpSync(join(ROOT, 'apps/server/package.json'), join(pkg, 'package.json'))
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'apps/server/tsconfig.build.json'),
    '--outDir', join(pkg, 'dist'), '--tsBuildInfoFile', join(pkg, 'dist/tsconfig.build.tsbuildinfo')], { cwd: ROOT, timeout: 300_000 })
  const { stdout } = await npm(pkg, 'pack', '--ignore-scripts', '--pack-destination', work)
  const tarball = join(work, stdout.trim().split('\n').pop()!)

  // The README's steps, with the tarball in place of the registry name.
  mkdirSync(greeter)
  await npm(greeter, 'init', '-y')
  await npm(greeter, 'pkg', 'set', 'type=module', 'main=index.ts')
  await npm(greeter, 'install', tarball, '@sinclair/typebox')
  writeFileSync(join(greeter, 'index.ts'), readmeGreeter())

  // A deployment folder installing the server and the plugin as packages (the plugin from its folder, as `file:`).
  mkdirSync(deployment)
  await npm(deployment, 'init', '-y')
  await npm(deployment, 'install', tarball, greeter)
})

t.test('the package as installed: not private, peer dependencies shared, a bin', async (t) => {
  const installed = JSON.parse(readFileSync(join(greeter, 'node_modules/@mcp-platform/server/package.json'), 'utf8'))
  t.notOk(installed.private, 'publishable')
  t.ok(installed.peerDependencies['@sinclair/typebox'], 'typebox is a peer dependency')
  t.ok(installed.peerDependencies.fastify, 'fastify is a peer dependency')
  t.equal(installed.bin['mcp-platform'], './dist/main.js')
  // One copy each, at the top: what the plugin imports is what the host uses.
  t.ok(readFileSync(join(greeter, 'node_modules/fastify/package.json'), 'utf8'), 'fastify installed beside the plugin (as a peer)')
})

t.test('mcp-platform --stdio serves the folder as a plugin, with options from MCP_PLUGINS', async (t) => {
  const transport = new StdioClientTransport({
    command: join(greeter, 'node_modules/.bin/mcp-platform'),
    args: ['--stdio'],
    cwd: greeter,
    env: { PATH, HOME: work, MCP_PLUGINS: '[{"module":".","options":{"greeting":"Hi"}}]' },
    stderr: 'pipe'
  })
  const client = new Client({ name: 'outside', version: '1.0.0' })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  const { tools } = await client.listTools()
  t.same(tools.map((tool) => tool.name), ['greet'])
  const result = await client.callTool({ name: 'greet', arguments: { name: 'Ada' } })
  t.same(result.structuredContent, { message: 'Hi, Ada!' })
})

t.test('mcp-platform (HTTP) with a fastify.config.ts in the folder listing the plugin', async (t) => {
  writeFileSync(join(greeter, 'fastify.config.ts'), [
    "import { defineConfig } from '@mcp-platform/server'",
    "export default defineConfig({ plugins: [{ module: './index.ts', options: { greeting: 'Hey' } }] })", ''
  ].join('\n'))
  const child = spawn(join(greeter, 'node_modules/.bin/mcp-platform'), [], {
    cwd: greeter, env: { ...process.env, PATH, PORT: '0', LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { child.kill('SIGKILL') })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /MCP server listening on (http:\/\/\S+)"/.exec(output)
      if (match !== null) resolve(match[1])
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)))
  })
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'greet' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'greet', arguments: { name: 'Ada' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } }
    })
  })
  t.equal(response.status, 200)
  t.match(await response.json(), { result: { structuredContent: { message: 'Hey, Ada!' } } })
  child.kill('SIGTERM')
})

t.test('another folder installs the plugin as a package and loads it by its name', async (t) => {
  const transport = new StdioClientTransport({
    command: join(deployment, 'node_modules/.bin/mcp-platform'),
    args: ['--stdio'],
    cwd: deployment,
    env: { PATH, HOME: work, MCP_PLUGINS: 'greeter' },
    stderr: 'pipe'
  })
  const client = new Client({ name: 'by-name', version: '1.0.0' })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  const result = await client.callTool({ name: 'greet', arguments: { name: 'Ada' } })
  t.same(result.structuredContent, { message: 'Hello, Ada!' }, 'the package "greeter" resolved from the folder\'s node_modules')
})
