/**
 * The hostile-input suite's kit: the server under fuzz (the three real
 * plugins, weather pointed at a closed port so it fails fast), fast-check
 * generators of malformed and odd messages, and the checks every answer must
 * pass: no 5xx, nothing leaked (stack traces, file paths, internal error
 * codes), every JSON-RPC response well-formed, and the server still serving
 * after each batch.
 */
import http from 'node:http'
import { PassThrough } from 'node:stream'
import fc from 'fast-check'
import WebSocket from 'ws'
import calculator from '../../plugins/calculator/src/index.ts'
import db from '../../plugins/db/src/index.ts'
import weather from '../../plugins/weather/src/index.ts'
import { META, MODERN_VERSION, LEGACY_VERSION, modernEnvelope, modernHeaders, startTestServer, type Teardown, type TestServer } from '@mcp-platform/server/testing'

/** The seed of every run (FUZZ_SEED overrides it to explore; a failure report names the seed it ran with). */
export const SEED = Number(process.env.FUZZ_SEED ?? 20260728)
/** Multiplies every count (FUZZ_SCALE=5 for a longer hunt). */
export const SCALE = Number(process.env.FUZZ_SCALE ?? 1)

export const BODY_LIMIT = 262_144

export interface FuzzServer extends TestServer {
  /** Server log lines at warn level and above (pino JSON). */
  logs: string[]
}

/** The server with calculator, weather (upstream unreachable: refused at once, no retry) and db (the embedded SQLite). */
export async function startFuzzServer (t: Teardown, limits: Record<string, number> = {}): Promise<FuzzServer> {
  const logs: string[] = []
  const stream = new PassThrough()
  let rest = ''
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n')
    rest = lines.pop() ?? ''
    logs.push(...lines.filter(Boolean))
  })
  const server = await startTestServer(t, {
    logLevel: 'warn',
    limits: { bodyLimit: BODY_LIMIT, wsMaxMessageBytes: BODY_LIMIT, toolTimeoutMs: 5000, ...limits },
    plugins: [
      { plugin: calculator, name: 'calculator' },
      { plugin: weather, name: 'weather', options: { apiUrl: 'http://127.0.0.1:9', geocodingUrl: 'http://127.0.0.1:9', retry: false, timeoutMs: 1000 } },
      { plugin: db, name: 'db', options: { env: {} } }
    ]
  }, { logStream: stream })
  return { ...server, logs }
}

/** Log lines at error level or above (pino level ≥ 50): each is a failure the server itself noticed. */
export function serverErrors (logs: string[]): string[] {
  return logs.filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 50
    } catch {
      return true
    }
  })
}

// ---------------------------------------------------------------------------
// Generators

/** Keys that name, or shadow, something of Object.prototype or Function.prototype. */
export const PROTO_KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf',
  'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupGetter__', 'toJSON', 'then', 'length'
]

/** Field names of the protocol, so generated objects hit the fields the server reads. */
const FIELD_KEYS = [
  'jsonrpc', 'id', 'method', 'params', 'result', 'error', 'code', 'message', 'data', '_meta', 'name', 'arguments', 'uri',
  'cursor', 'ref', 'argument', 'value', 'context', 'requestId', 'reason', 'level', 'progressToken', 'protocolVersion',
  'capabilities', 'clientInfo', 'expression', 'sql', 'params', 'table', 'location', 'type', 'requestState', 'inputResponses',
  META.protocolVersion, META.clientCapabilities, META.clientInfo, META.logLevel
]

const key: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 3, arbitrary: fc.constantFrom(...FIELD_KEYS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) }
)

/** An object with these own keys, `__proto__` included (defined, not assigned, so it is a real key). */
export function objectOf (entries: Array<[string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (const [k, v] of entries) Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true })
  return object
}

const oddStrings = fc.constantFrom(
  '', ' ', '2.0', '2', 'null', '{}', '[]', '\u0000', '\ud800', '\udfff', '\u2028', '\ufeff', '💥', 'é', '=?base64?', '=?base64?!!?=',
  MODERN_VERSION, LEGACY_VERSION, '2024-11-05', '9999-99-99', '2026-07-28 ', 'calculate', 'db_query', 'tools/call', 'db://tables/customers',
  'db://tables/{table}', 'db://tables/../../etc/passwd', 'file:///etc/passwd', 'ref/prompt', 'ref/resource', 'debug', 'emergency',
  '__proto__', 'constructor', 'toString', '%00', '%s%s%s%n', '$' + '{7*7}', '<script>', '"; DROP TABLE customers; --', '\\', '"'
)

const numbers = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -0, -1, 1, 1.5, -1.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, 1e21, 1e-7),
  fc.double({ noNaN: true, noDefaultInfinity: true })
)

export const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  numbers,
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  oddStrings
)

/** Big values that still fit the body limit most of the time (some do not, on purpose). */
export const huge: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(fc.integer({ min: 1000, max: 120_000 }), fc.constantFrom('x', 'é', '💥', '\\', '"', '\u0000', '\ud800', '1+')).map(([n, c]) => c.repeat(n)),
  fc.integer({ min: 1000, max: 40_000 }).map((n) => new Array<number>(n).fill(7)),
  fc.integer({ min: 100, max: 5000 }).map((n) => objectOf(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  fc.integer({ min: 10, max: 2000 }).map((n) => nestedValue(n))
)

/** `n` levels of alternating objects and arrays (JSON.stringify manages a few thousand). */
function nestedValue (n: number): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < n; i++) value = i % 2 === 0 ? [value] : { a: value }
  return value
}

const tree = fc.letrec<{ value: unknown, array: unknown[], object: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 4 }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map(objectOf)
}))

/** Any JSON value, now and then a huge one. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: tree.value },
  { weight: 1, arbitrary: huge }
)

/** Request ids of every JSON type; a small pool of popular ones makes duplicates in a batch likely. */
export const anyId: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(1, 0, -1, 'dup', '', 'x', 2 ** 53, '1') },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: scalar },
  { weight: 1, arbitrary: tree.value }
)

const unknownMethod = fc.oneof(
  fc.constantFrom('tools/frobnicate', 'rpc.discover', '', ' ', 'tools/call ', 'TOOLS/CALL', 'tools//call', '__proto__', 'constructor',
    'toString', 'hasOwnProperty', 'valueOf', 'tools/__proto__', 'notifications/__proto__', 'notifications/', 'sampling/createMessage',
    'elicitation/create', 'roots/list', 'tasks/list', 'initialize/', 'notifications/message'),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 })
)

type Era = 'modern' | 'legacy'

interface Base { method: string, params: Record<string, unknown> }

const COMMON: Base[] = [
  { method: 'tools/call', params: { name: 'calculate', arguments: { expression: '6 * 7' } } },
  { method: 'tools/call', params: { name: 'calculate', arguments: { expression: 'sqrt(-1) / 0' } } },
  { method: 'tools/call', params: { name: 'db_query', arguments: { sql: 'SELECT 1 AS one' } } },
  { method: 'tools/call', params: { name: 'db_query', arguments: { sql: 'SELECT * FROM customers WHERE id = ?', params: [1] } } },
  { method: 'tools/call', params: { name: 'db_list_tables', arguments: {} } },
  { method: 'tools/call', params: { name: 'db_describe_table', arguments: { table: 'customers' } } },
  { method: 'tools/call', params: { name: 'weather_current', arguments: { location: 'Berlin' } } },
  { method: 'tools/call', params: { name: 'weather_forecast', arguments: { latitude: 52.5, longitude: 13.4, days: 3 } } },
  { method: 'tools/list', params: {} },
  { method: 'tools/list', params: { cursor: 'eyJvZmZzZXQiOjEwMH0' } },
  { method: 'prompts/list', params: {} },
  { method: 'prompts/get', params: { name: 'db_explore', arguments: {} } },
  { method: 'resources/list', params: {} },
  { method: 'resources/templates/list', params: {} },
  { method: 'resources/read', params: { uri: 'db://tables/customers' } },
  { method: 'completion/complete', params: { ref: { type: 'ref/resource', uri: 'db://tables/{table}' }, argument: { name: 'table', value: 'c' } } },
  { method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: 'db_explore' }, argument: { name: 'topic', value: '' } } }
]

const ERA_ONLY: Record<Era, Base[]> = {
  modern: [
    { method: 'server/discover', params: {} }
  ],
  legacy: [
    { method: 'ping', params: {} },
    { method: 'logging/setLevel', params: { level: 'error' } },
    { method: 'resources/subscribe', params: { uri: 'db://tables/customers' } },
    { method: 'resources/unsubscribe', params: { uri: 'db://tables/customers' } },
    { method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } } }
  ]
}

const NOTIFICATIONS: Base[] = [
  { method: 'notifications/cancelled', params: { requestId: 'dup', reason: 'fuzz' } },
  { method: 'notifications/cancelled', params: { requestId: 1 } },
  { method: 'notifications/initialized', params: {} },
  { method: 'notifications/progress', params: { progressToken: 1, progress: 0.5 } },
  { method: 'notifications/roots/list_changed', params: {} }
]

type Message = Record<string, unknown>

/** A well-formed `_meta` of our own (the kit's shares its clientInfo object between calls). */
const envelope = () => structuredClone(modernEnvelope())
type Mutation = (m: Message) => void

const paramsOf = (m: Message): Record<string, unknown> => {
  if (m.params === null || typeof m.params !== 'object' || Array.isArray(m.params)) m.params = {}
  return m.params as Record<string, unknown>
}
const objectAt = (parent: Record<string, unknown>, field: string): Record<string, unknown> => {
  const value = parent[field]
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  return (parent[field] = {}) as Record<string, unknown>
}
const put = (target: Record<string, unknown>, k: string, v: unknown) => {
  Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true })
}

/** Where a prototype key goes: every object position of a request. */
const POSITIONS: Array<(m: Message) => Record<string, unknown>> = [
  (m) => m,
  (m) => paramsOf(m),
  (m) => objectAt(paramsOf(m), '_meta'),
  (m) => objectAt(objectAt(paramsOf(m), '_meta'), META.clientCapabilities),
  (m) => objectAt(objectAt(paramsOf(m), '_meta'), META.clientInfo),
  (m) => objectAt(paramsOf(m), 'arguments'),
  (m) => objectAt(paramsOf(m), 'ref'),
  (m) => objectAt(paramsOf(m), 'argument'),
  (m) => objectAt(objectAt(paramsOf(m), 'arguments'), 'nested')
]

const protoValue = fc.oneof(
  anyValue,
  fc.constant({ prototype: { polluted: true } }),
  fc.constant({ isAdmin: true }),
  fc.constant([])
)

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  anyId.map((id): Mutation => (m) => { m.id = id }),
  fc.constant<Mutation>((m) => { delete m.id }),
  fc.oneof(unknownMethod, anyValue).map((method): Mutation => (m) => { m.method = method }),
  anyValue.map((params): Mutation => (m) => { m.params = params }),
  fc.tuple(key, anyValue).map(([k, v]): Mutation => (m) => { put(paramsOf(m), k, v) }),
  fc.tuple(fc.constantFrom(META.protocolVersion, META.clientCapabilities, META.clientInfo, META.logLevel, 'progressToken', ...PROTO_KEYS), anyValue)
    .map(([k, v]): Mutation => (m) => { put(objectAt(paramsOf(m), '_meta'), k, v) }),
  anyValue.map((meta): Mutation => (m) => { paramsOf(m)._meta = meta }),
  fc.constant<Mutation>((m) => { delete paramsOf(m)._meta }),
  fc.constantFrom(...Object.values(META)).map((k): Mutation => (m) => { delete objectAt(paramsOf(m), '_meta')[k] }),
  anyValue.map((args): Mutation => (m) => { paramsOf(m).arguments = args }),
  fc.tuple(key, anyValue).map(([k, v]): Mutation => (m) => { put(objectAt(paramsOf(m), 'arguments'), k, v) }),
  fc.tuple(fc.constantFrom('name', 'uri', 'cursor', 'ref', 'argument', 'requestId', 'level', 'protocolVersion', 'capabilities'), anyValue)
    .map(([k, v]): Mutation => (m) => { paramsOf(m)[k] = v }),
  fc.oneof(scalar, fc.constant(undefined)).map((v): Mutation => (m) => { if (v === undefined) delete m.jsonrpc; else m.jsonrpc = v }),
  fc.tuple(fc.integer({ min: 0, max: POSITIONS.length - 1 }), fc.constantFrom(...PROTO_KEYS), protoValue)
    .map(([at, k, v]): Mutation => (m) => { put(POSITIONS[at](m), k, v) }),
  // An unsolicited response: result, error, both or neither.
  fc.tuple(fc.option(anyValue), fc.option(fc.oneof(anyValue, fc.record({ code: scalar, message: scalar }))))
    .map(([result, error]): Mutation => (m) => {
      delete m.method
      delete m.params
      if (result !== null) m.result = result
      if (error !== null) m.error = error
    }),
  fc.tuple(key, anyValue).map(([k, v]): Mutation => (m) => { put(m, k, v) })
)

/** A message for `era`: a real request, notification or response as a start, then 0-3 mutations. */
export function messageArb (era: Era): fc.Arbitrary<unknown> {
  const bases = [...COMMON, ...ERA_ONLY[era]]
  const start = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...bases).map((b) => ({ jsonrpc: '2.0', id: 0, method: b.method, params: structuredClone(b.params) }) as Message) },
    { weight: 1, arbitrary: fc.constantFrom(...NOTIFICATIONS).map((b) => ({ jsonrpc: '2.0', method: b.method, params: structuredClone(b.params) }) as Message) },
    // A notification with an id.
    { weight: 1, arbitrary: fc.constantFrom(...NOTIFICATIONS).map((b) => ({ jsonrpc: '2.0', id: 'n', method: b.method, params: structuredClone(b.params) }) as Message) },
    { weight: 1, arbitrary: fc.constant<Message>({ jsonrpc: '2.0', id: 's-1', result: {} }) }
  )
  const withId = fc.tuple(start, anyId).map(([m, id]) => { if ('id' in m && m.id === 0) m.id = id; return m })
  // Mutations work on a copy: fast-check may hand the same generated value to more than one mapper.
  const mutated = fc.tuple(withId, fc.array(mutation, { maxLength: 3 })).map(([original, mutations]) => {
    const m = structuredClone(original)
    for (const mutate of mutations) mutate(m)
    if (era === 'modern' && typeof m.method === 'string') {
      const params = paramsOf(m)
      if (params._meta === undefined) params._meta = envelope()
    }
    return m as unknown
  })
  return fc.oneof(
    {
      weight: 1,
      arbitrary: withId.map((original) => {
        const m = structuredClone(original)
        if (era === 'modern' && typeof m.method === 'string') paramsOf(m)._meta = envelope()
        return m as unknown
      })
    },
    { weight: 10, arbitrary: mutated },
    // Not an object: scalars, arrays (batches), anything.
    { weight: 1, arbitrary: anyValue },
    { weight: 1, arbitrary: fc.array(mutated, { minLength: 1, maxLength: 3 }) }
  )
}

// ---------------------------------------------------------------------------
// Wire encodings: most messages as JSON text; some spoiled as text or bytes.

export interface Wire {
  /** What goes on the wire. */
  bytes: Buffer
  /** The message, when the text is the JSON of one (for the oracle). */
  message?: unknown
  /** Not valid UTF-8. */
  invalidUtf8: boolean
  note: string
}

const INVALID_UTF8 = [
  [0xff], [0xfe], [0xc0, 0x80], [0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xc3]
].map((b) => Buffer.from(b))

/** Raw text of `n` levels of nesting around `inner` (JSON.stringify cannot build deep values: it recurses). */
export function deepText (n: number, kind: 'array' | 'object' | 'mixed', inner = '1'): string {
  if (kind === 'array') return '['.repeat(n) + inner + ']'.repeat(n)
  if (kind === 'object') return '{"a":'.repeat(n) + inner + '}'.repeat(n)
  return '[{"a":'.repeat(n) + inner + '}]'.repeat(n)
}

function stringify (message: unknown): string {
  return JSON.stringify(message) ?? 'null'
}

const bytes = (s: string) => Buffer.from(s, 'utf8')

export const wireArb = (messages: fc.Arbitrary<unknown>): fc.Arbitrary<Wire> => fc.oneof(
  { weight: 14, arbitrary: messages.map((message): Wire => ({ bytes: bytes(stringify(message)), message, invalidUtf8: false, note: 'json' })) },
  // Cut short.
  {
    weight: 1,
    arbitrary: fc.tuple(messages, fc.double({ min: 0, max: 1, noNaN: true })).map(([m, at]): Wire => {
      const text = stringify(m)
      return { bytes: bytes(text.slice(0, Math.floor(text.length * at))), invalidUtf8: false, note: 'truncated' }
    })
  },
  // Raw bytes that are not UTF-8, inside a string or between tokens.
  {
    weight: 1,
    arbitrary: fc.tuple(messages, fc.constantFrom(...INVALID_UTF8), fc.boolean()).map(([m, bad, inString]): Wire => {
      const text = stringify(m)
      const cut = inString ? Math.max(0, text.indexOf('"') + 1) : text.length
      return { bytes: Buffer.concat([bytes(text.slice(0, cut)), bad, bytes(text.slice(cut))]), invalidUtf8: true, note: `invalid utf-8 ${bad.toString('hex')}` }
    })
  },
  // Textual oddities JSON.stringify never makes: duplicate keys, escaped proto keys, BOM, trailing junk, two messages, deep nesting.
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(
      '{"jsonrpc":"2.0","id":1,"id":"two","method":"ping","params":{}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"ping","params":{},"params":[]}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"\\u005f_proto__":{"x":1}}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"__proto__":{"x":1},"__proto__":{"y":2}}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"constructor":{"prototype":{"x":1}}}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calculate","arguments":{"expression":"1","__proto__":null}}}',
      '\ufeff{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}} trailing',
      '{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}',
      '{"jsonrpc":"2.0","id":1e999,"method":"ping"}',
      '{"jsonrpc":"2.0","id":-0,"method":"ping"}',
      '{"jsonrpc":"2.0","id":1.0,"method":"ping"}',
      '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}',
      '{"jsonrpc":"2.0","id":"\\ud800","method":"\\u0000"}',
      '{"jsonrpc":"2.0",\n\t"id" : 1 , "method":"ping"\r\n}',
      'NaN', 'undefined', "{'jsonrpc':'2.0'}", '{"jsonrpc":"2.0","id":1,"method":"ping",}', '[]', '[[]]', '{}', '""', 'true', '   ', '\u0000'
    ), fc.integer({ min: 0, max: 3 })).map(([text, pad]): Wire => ({
      bytes: bytes(' '.repeat(pad) + text), message: tryParse(text), invalidUtf8: false, note: 'text'
    }))
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 100, max: 5000 }), fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed'), fc.constantFrom('params', 'id', 'arguments', 'meta', 'top'))
      .map(([n, kind, where]): Wire => {
        const deep = deepText(n, kind)
        const text = where === 'top'
          ? deep
          : where === 'id'
            ? `{"jsonrpc":"2.0","id":${deep},"method":"tools/list"}`
            : where === 'params'
              ? `{"jsonrpc":"2.0","id":"deep","method":"tools/list","params":${deep}}`
              : where === 'arguments'
                ? `{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"calculate","arguments":{"expression":${deep}},"_meta":${stringify(modernEnvelope())}}}`
                : `{"jsonrpc":"2.0","id":"deep","method":"tools/list","params":{"_meta":{"${META.protocolVersion}":${deep},"${META.clientCapabilities}":${deep}}}}`
        return { bytes: bytes(text), message: tryParse(text), invalidUtf8: false, note: `nested ${n} ${kind} in ${where}` }
      })
  }
)

export function tryParse (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------
// The oracle: what a JSON-RPC 2.0 server must answer.

const isId = (id: unknown) => typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id))

export type Expect =
  /** A response is due (a request, or a malformed message). */
  | { answer: true, id: unknown }
  /** Nothing is due (a notification, or a response to the server). */
  | { answer: false }

/** What JSON-RPC 2.0 (minus batches, as MCP) requires for `message`, parsed from the wire (undefined: not JSON). */
export function expect (message: unknown, parsed: boolean): Expect {
  if (!parsed || message === null || typeof message !== 'object' || Array.isArray(message)) return { answer: true, id: null }
  const m = message as Record<string, unknown>
  const id = isId(m.id) ? m.id : null
  if (m.jsonrpc !== '2.0') return { answer: true, id }
  if (typeof m.method === 'string') {
    if (m.params !== undefined && (m.params === null || typeof m.params !== 'object' || Array.isArray(m.params))) return { answer: true, id }
    if (!Object.hasOwn(m, 'id')) return { answer: false }
    return { answer: true, id }
  }
  if (m.method === undefined && isId(m.id) && (Object.hasOwn(m, 'result') !== Object.hasOwn(m, 'error'))) return { answer: false }
  return { answer: true, id }
}

/** The parsed message as the server sees it: a JSON value of the UTF-8 text, or undefined. */
export function parsedOf (wire: Wire): { parsed: boolean, message: unknown } {
  // Bytes that are not UTF-8 decode to U+FFFD, as the HTTP body parser reads them (WebSocket closes with 1007 instead).
  let text = wire.bytes.toString('utf8')
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  try {
    return { parsed: true, message: JSON.parse(text) }
  } catch {
    return { parsed: false, message: undefined }
  }
}

// ---------------------------------------------------------------------------
// Checks on what comes back.

const LEAKS: Array<[RegExp, string]> = [
  [/\bat [^\n]*\((?:file|node):/, 'a stack frame'],
  [/\n\s+at \S/, 'a stack trace'],
  [/\/work\//, 'a file path (/work/)'],
  [/node_modules/, 'a file path (node_modules)'],
  [/\.ts:\d/, 'a source position (.ts:)'],
  [/\b(?:FST_[A-Z0-9_]+|ERR_[A-Z0-9_]{3,}|HPE_[A-Z_]+|WS_ERR_[A-Z_]+|ECONNREFUSED|ECONNRESET|EPIPE|ENOENT|EACCES|ETIMEDOUT|SQLITE_[A-Z_]+|UND_ERR_[A-Z_]+)\b/, 'an internal error code']
]

/** What leaks from `text`, if anything. */
export function leakIn (text: string): string | undefined {
  for (const [pattern, what] of LEAKS) {
    const match = pattern.exec(text)
    if (match !== null) return `${what}: …${text.slice(Math.max(0, match.index - 60), match.index + 80)}…`
  }
  return undefined
}

/** Problems with one JSON-RPC message the server sent (undefined: fine). `ids`: the ids it may carry. */
export function checkMessage (message: unknown, ids: (id: unknown) => boolean): string | undefined {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return `not a JSON-RPC object: ${clip(message)}`
  const m = message as Record<string, unknown>
  if (m.jsonrpc !== '2.0') return `"jsonrpc" is ${clip(m.jsonrpc)}`
  if (typeof m.method === 'string') return undefined // a notification or request from the server
  if (!Object.hasOwn(m, 'id')) return `a response without an id: ${clip(m)}`
  if (m.id !== null && !ids(m.id)) return `a response id ${clip(m.id)} that was not sent`
  const hasResult = Object.hasOwn(m, 'result')
  const hasError = Object.hasOwn(m, 'error')
  if (hasResult === hasError) return `a response needs exactly one of result and error: ${clip(m)}`
  if (hasResult && (m.result === null || typeof m.result !== 'object' || Array.isArray(m.result))) return `a result that is not an object: ${clip(m)}`
  if (hasError) {
    const error = m.error as Record<string, unknown> | null
    if (error === null || typeof error !== 'object') return `an error that is not an object: ${clip(m)}`
    if (!Number.isInteger(error.code)) return `an error code that is not an integer: ${clip(m)}`
    if (typeof error.message !== 'string') return `an error message that is not a string: ${clip(m)}`
    // -32603 also says "too many in flight" or "timed out"; these two messages are the server's own failures.
    if (error.code === -32603 && /^Internal error[:;]/.test(String(error.message))) return `an internal error (a failure the server did not expect): ${clip(m)}`
  }
  return undefined
}

export function clip (value: unknown, max = 300): string {
  let text: string
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text
}

/** Whether two parsed ids are the same id. */
export const sameId = (a: unknown, b: unknown) => a === b || (typeof a === 'number' && typeof b === 'number' && Object.is(a + 0, b + 0))

// ---------------------------------------------------------------------------
// Health: after every batch, a well-behaved client on a fresh connection is served.

const CALCULATE = { name: 'calculate', arguments: { expression: '6 * 7' } }

/** A modern tools/call calculate by HTTP on a new TCP connection; throws unless it answers 42. */
export async function healthyHttp (server: TestServer): Promise<void> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 'health', method: 'tools/call', params: { ...CALCULATE, _meta: modernEnvelope() } })
  const answer = await send(server.url, { method: 'POST', headers: modernHeaders('tools/call', CALCULATE), body: Buffer.from(body), agent: false })
  const response = tryParse(answer.body.toString()) as { result?: { structuredContent?: { result?: number } } } | undefined
  if (answer.status !== 200 || response?.result?.structuredContent?.result !== 42) {
    throw new Error(`health check (HTTP) failed: ${answer.status} ${answer.body.toString().slice(0, 300)}`)
  }
  const health = await send(new URL('/health', server.url), { method: 'GET', headers: {}, agent: false })
  if (health.status !== 200) throw new Error(`GET /health answered ${health.status}`)
}

/** The same over a new WebSocket connection. */
export async function healthyWs (server: TestServer): Promise<void> {
  const ws = new WebSocket(server.wsUrl, 'mcp')
  try {
    const answer = await new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('health check (WebSocket) timed out')), 5000)
      ws.once('error', reject)
      ws.once('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'health', method: 'tools/call', params: { ...CALCULATE, _meta: modernEnvelope() } })))
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString())
        if (m.id === 'health') { clearTimeout(timer); resolve(m) }
      })
    })
    if (answer.result?.structuredContent?.result !== 42) throw new Error(`health check (WebSocket) failed: ${clip(answer)}`)
  } finally {
    ws.terminate()
  }
}

// ---------------------------------------------------------------------------
// A plain HTTP/1.1 client (node:http): any method, duplicate header lines, raw header bytes, any body.

export interface HttpAnswer { status: number, headers: http.IncomingHttpHeaders, body: Buffer }

export interface HttpRequest {
  method: string
  /** Default: the url's path. */
  path?: string
  /** Values may be arrays (one header line each); strings are sent as latin1 bytes. */
  headers: Record<string, string | string[]>
  body?: Buffer
  agent?: http.Agent | false
  timeoutMs?: number
}

export async function send (url: URL, request: HttpRequest): Promise<HttpAnswer> {
  return await new Promise((resolve, reject) => {
    const req = http.request(url, { method: request.method, headers: request.headers, agent: request.agent, ...(request.path === undefined ? {} : { path: request.path }) }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
      res.on('error', (error) => { clearTimeout(timer); reject(error) })
    })
    const timer = setTimeout(() => { req.destroy(new Error(`no answer within ${request.timeoutMs ?? 10_000} ms (a hang)`)) }, request.timeoutMs ?? 10_000)
    req.on('error', (error) => { clearTimeout(timer); reject(error) })
    req.end(request.body)
  })
}

/** The JSON-RPC messages of an HTTP answer body: one JSON value, or the events of an SSE stream. */
export function messagesOf (answer: HttpAnswer): { messages: unknown[], problem?: string } {
  const type = String(answer.headers['content-type'] ?? '')
  const text = answer.body.toString('utf8')
  if (text === '') return { messages: [] }
  if (type.startsWith('text/event-stream')) {
    const messages: unknown[] = []
    for (const event of text.split(/\r?\n\r?\n/)) {
      const data = event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, '')).join('\n')
      if (data.trim() === '') continue
      const message = tryParse(data)
      if (message === undefined) return { messages, problem: `an SSE event that is not JSON: ${data.slice(0, 200)}` }
      messages.push(message)
    }
    return { messages }
  }
  if (type.startsWith('application/json')) {
    const message = tryParse(text)
    return message === undefined ? { messages: [], problem: `a JSON body that is not JSON: ${text.slice(0, 200)}` } : { messages: [message] }
  }
  return { messages: [], problem: `a body of type "${type}": ${text.slice(0, 200)}` }
}

/** Whether a parsed answer is a JSON-RPC response (not Fastify's own 404 JSON, not a server notification). */
export function isResponse (message: unknown): boolean {
  return message !== null && typeof message === 'object' && !Array.isArray(message) &&
    (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error')) && Object.hasOwn(message, 'jsonrpc')
}

const PROTOTYPES: Array<[string, object]> = [
  ['Object.prototype', Object.prototype], ['Array.prototype', Array.prototype], ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype], ['Number.prototype', Number.prototype]
]
const BASELINE = new Map(PROTOTYPES.map(([name, proto]) => [name, new Set(Reflect.ownKeys(proto))]))

/** Properties added to the built-in prototypes since the kit loaded (prototype pollution, the server's or the test's). */
export function pollution (): string[] {
  const found: string[] = []
  const envelope = modernEnvelope()
  for (const [k, v] of Object.entries(envelope)) if (v !== null && typeof v === 'object' && Reflect.ownKeys(v).length > 2) found.push(`envelope ${k}: ${Reflect.ownKeys(v).map(String).join(',')}`)
  for (const [name, proto] of PROTOTYPES) {
    for (const k of Reflect.ownKeys(proto)) if (!BASELINE.get(name)!.has(k)) found.push(`${name}.${String(k)}`)
  }
  return found
}
