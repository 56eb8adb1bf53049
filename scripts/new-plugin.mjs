/**
 * `npm run new-plugin -- <name>`: writes a new tool plugin, plugins/<name>
 * (package.json, src/index.ts with one tool, a test using the public test
 * kit, a README, its build config), lists it in fastify.config.ts and in the
 * root build (tsconfig.build.json), so `npm start` serves it and `npm test`
 * runs its test with no further step.
 *
 * The config lists it by path (`./plugins/<name>`): a path needs no
 * `npm install` to resolve, where a package name needs npm to link the new
 * workspace first. Run `npm install` later anyway to record the workspace in
 * package-lock.json.
 *
 * Plain JavaScript, like start.mjs: it runs on whatever Node started npm.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/
const MAX_LENGTH = 40

function fail (message) {
  process.stderr.write(`new-plugin: ${message}\n`)
  process.exit(1)
}

/** Why a name cannot be used, or undefined when it can. */
function nameProblem (name, root) {
  if (name === undefined || name === '') return 'give the plugin a name: npm run new-plugin -- <name> (e.g. npm run new-plugin -- inventory)'
  if (name.length > MAX_LENGTH) return `"${name}" is ${name.length} characters long; use at most ${MAX_LENGTH}`
  if (!NAME.test(name)) {
    return `"${name}" is not a valid plugin name: use lowercase letters, digits and single hyphens, starting with a letter (e.g. "inventory" or "order-status")`
  }
  if (existsSync(join(root, 'plugins', name))) return `plugins/${name} already exists: choose another name, or delete that folder first`
  const taken = workspacePackages(root).get(`@mcp-platform/${name}`)
  if (taken !== undefined) return `the package name @mcp-platform/${name} is already used by ${taken}: choose another name`
  return undefined
}

/** Package names of the workspaces (the root package.json's `workspaces`, `dir/*` patterns), with their folders. */
function workspacePackages (root) {
  const found = new Map()
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  for (const pattern of manifest.workspaces ?? []) {
    const parent = join(root, pattern.replace(/\/\*$/, ''))
    if (!existsSync(parent)) continue
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      const file = join(parent, entry.name, 'package.json')
      if (!entry.isDirectory() || !existsSync(file)) continue
      const { name } = JSON.parse(readFileSync(file, 'utf8'))
      if (typeof name === 'string') found.set(name, `${pattern.replace(/\/\*$/, '')}/${entry.name}`)
    }
  }
  return found
}

/** `order-status` → `order_status`, the tool name's prefix (tool names allow `_`). */
const snake = (name) => name.replaceAll('-', '_')

function files (name) {
  const tool = `${snake(name)}_greet`
  const server = JSON.parse(readFileSync(new URL('../apps/server/package.json', import.meta.url), 'utf8'))
  const typebox = server.dependencies['@sinclair/typebox']
  return {
    'package.json': JSON.stringify({
      name: `@mcp-platform/${name}`,
      version: '0.1.0',
      private: true,
      description: `MCP tool plugin: ${name}`,
      type: 'module',
      exports: {
        '.': {
          '@mcp-platform/source': './src/index.ts',
          types: './dist/index.d.ts',
          default: './dist/index.js'
        }
      },
      dependencies: { '@sinclair/typebox': typebox },
      peerDependencies: { '@mcp-platform/server': '*', fastify: '^5.0.0' }
    }, null, 2) + '\n',
    'tsconfig.build.json': JSON.stringify({
      extends: '../../tsconfig.base.json',
      compilerOptions: {
        composite: true,
        rootDir: 'src',
        outDir: 'dist',
        tsBuildInfoFile: 'dist/tsconfig.build.tsbuildinfo',
        declaration: true,
        declarationMap: true,
        sourceMap: true
      },
      include: ['src'],
      references: [{ path: '../../apps/server/tsconfig.build.json' }]
    }, null, 2) + '\n',
    'src/index.ts': `/**
 * The ${name} plugin: registers its tools on \`app.mcp\` (see docs/plugin-api.md).
 * Options come from its entry in fastify.config.ts: \`{ module: './plugins/${name}', options: { ... } }\`.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { ToolError } from '@mcp-platform/server'

export interface ${pascal(name)}Options {
  /** The greeting word (default "Hello"). */
  greeting?: string
}

const plugin: FastifyPluginAsync<${pascal(name)}Options> = async (app, options) => {
  const greeting = options.greeting ?? 'Hello'

  app.mcp.tool({
    name: '${tool}',
    title: 'Greet',
    description: 'Greets someone by name',
    input: Type.Object({
      name: Type.String({ minLength: 1, maxLength: 100, description: 'Who to greet' })
    }, { additionalProperties: false }),
    output: Type.Object({ message: Type.String() }),
    annotations: { readOnlyHint: true, openWorldHint: false },
    handler ({ name }) {
      // A ToolError is a result the model reads (isError: true), not a protocol error.
      if (name.trim() === '') throw new ToolError('name is blank: give a name to greet')
      const message = \`\${greeting}, \${name}!\`
      return { text: message, structuredContent: { message } }
    }
  })
}

export default plugin
`,
    [`test/${name}.test.ts`]: `/**
 * The ${name} plugin through the real host, as a client sees it, in both
 * protocol eras: \`buildTestApp\` starts the server with the plugin (closed
 * when the test ends), \`createInjectClient\` speaks MCP to it in-process.
 */
import t from 'tap'
import { buildTestApp, createInjectClient } from '@mcp-platform/server/testing'
import plugin from '../src/index.ts'

t.test('${tool}', async (t) => {
  const app = await buildTestApp(t, { plugins: [{ plugin, options: { greeting: 'Hi' } }] })

  for (const era of ['modern', 'legacy'] as const) {
    const client = createInjectClient(app, { era })

    t.test(\`\${era}: listed with its schemas\`, async (t) => {
      const { tools } = await client.listTools()
      const tool = tools.find((tool: { name: string }) => tool.name === '${tool}')
      t.ok(tool, '${tool} is listed')
      t.equal(tool.inputSchema.properties.name.type, 'string')
      t.same(tool.outputSchema.required, ['message'])
    })

    t.test(\`\${era}: answers with text and structuredContent\`, async (t) => {
      const result = await client.callTool('${tool}', { name: 'Ada' })
      t.same(result.content, [{ type: 'text', text: 'Hi, Ada!' }])
      t.same(result.structuredContent, { message: 'Hi, Ada!' })
      t.notOk(result.isError)
    })
  }

  t.test('bad input is a tool error the model can read', async (t) => {
    const client = createInjectClient(app)
    const missing = await client.callTool('${tool}', {})
    t.equal(missing.isError, true)
    t.match(missing.content[0].text, /name: is required/)
    const blank = await client.callTool('${tool}', { name: ' ' })
    t.match(blank, { isError: true, content: [{ text: /name is blank/ }] })
  })
})
`,
    'README.md': `# @mcp-platform/${name}

An MCP tool plugin, made with \`npm run new-plugin -- ${name}\`.

## Tool \`${tool}\`

- **Input:** \`{ "name": string }\` (1 to 100 characters).
- **Output:** \`Hello, <name>!\` as text, plus \`structuredContent: { "message": string }\`.

## Options

In \`fastify.config.ts\`: \`{ module: './plugins/${name}', options: { greeting: 'Hi' } }\`.

| option | default | meaning |
|---|---|---|
| \`greeting\` | \`Hello\` | the word before the name |

## Develop

- \`npm run dev\`: the server reloads this plugin when its files change; connected clients are told the tool list changed.
- \`npx tap plugins/${name}/test/${name}.test.ts\`: its test, through the real host (both protocol eras).
- The API: [docs/plugin-api.md](../../docs/plugin-api.md).
`
  }
}

function pascal (name) {
  return name.split('-').map((part) => part[0].toUpperCase() + part.slice(1)).join('')
}

/** The config with `{ module: './plugins/<name>' }` at the end of its `plugins: [...]`; undefined when it has no such list. */
function listInConfig (source, name) {
  const start = /plugins\s*:\s*\[/.exec(source)
  if (start === null) return undefined
  let depth = 0
  let end = -1
  for (let i = start.index + start[0].length - 1; i < source.length; i++) {
    if (source[i] === '[') depth++
    else if (source[i] === ']' && --depth === 0) { end = i; break }
  }
  if (end === -1) return undefined
  const before = source.slice(0, end).replace(/\s*$/, '')
  const separator = before.endsWith('[') || before.endsWith(',') ? '' : ','
  return `${before}${separator}\n    { module: './plugins/${name}' }\n  ${source.slice(end)}`
}

function addBuildReference (root, name) {
  const file = join(root, 'tsconfig.build.json')
  if (!existsSync(file)) return false
  const build = JSON.parse(readFileSync(file, 'utf8'))
  build.references ??= []
  build.references.push({ path: `plugins/${name}/tsconfig.build.json` })
  writeFileSync(file, JSON.stringify(build, null, 2) + '\n')
  return true
}

function main () {
  // The checkout this script is in (npm runs it from there; so does a copy of the workspace).
  const root = fileURLToPath(new URL('..', import.meta.url))
  const args = process.argv.slice(2).filter((arg) => arg !== '--')
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('Usage: npm run new-plugin -- <name>\n  Writes plugins/<name> (one tool, a test, a README) and lists it in fastify.config.ts.\n')
    return
  }
  if (args.length > 1) fail(`one name at a time (got ${args.length}: ${args.join(' ')})`)
  const name = args[0]
  const problem = nameProblem(name, root)
  if (problem !== undefined) fail(problem)

  const folder = join(root, 'plugins', name)
  for (const [path, text] of Object.entries(files(name))) {
    mkdirSync(join(folder, path, '..'), { recursive: true })
    writeFileSync(join(folder, path), text)
  }
  const configFile = join(root, 'fastify.config.ts')
  const listed = existsSync(configFile) ? listInConfig(readFileSync(configFile, 'utf8'), name) : undefined
  if (listed !== undefined) writeFileSync(configFile, listed)
  const built = addBuildReference(root, name)

  const tool = `${snake(name)}_greet`
  process.stdout.write([
    `Created plugins/${name}: src/index.ts (tool "${tool}"), test/${name}.test.ts, README.md, package.json.`,
    listed !== undefined
      ? `Listed it in fastify.config.ts as { module: './plugins/${name}' }.`
      : `Add it to the plugins of your configuration yourself: { module: './plugins/${name}' } (no "plugins: [" list found in fastify.config.ts).`,
    built ? 'Added it to tsconfig.build.json (npm start and npm run build compile it).' : '',
    '',
    'Next:',
    `  npx tap plugins/${name}/test/${name}.test.ts   # its test`,
    '  npm run dev                                   # the server, reloading the plugin when you edit it',
    '  npm install                                   # records the new workspace in package-lock.json',
    ''
  ].filter((line, i, all) => line !== '' || i === all.length - 1 || all[i + 1] !== '').join('\n'))
}

main()
