// Showing what the server answers: content blocks (text, images, audio, embedded resources,
// links), structured content checked against the tool's outputSchema (rows and columns as a
// table), tool errors as errors, resource contents and prompt messages.

import { el } from './dom.js'

/** Checks `value` against the parts of JSON Schema tools use; returns the problems, each with its path. */
export function validate (schema, value, path = '$') {
  if (schema === true || schema === undefined || schema === null || typeof schema !== 'object') return []
  if (schema === false) return [`${path}: no value is allowed here`]
  const problems = []
  const types = schema.type === undefined ? undefined : [].concat(schema.type)
  if (types !== undefined && !types.some((type) => isType(type, value))) {
    return [`${path}: expected ${types.join(' or ')}, got ${kind(value)}`]
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => same(option, value))) problems.push(`${path}: not one of ${JSON.stringify(schema.enum)}`)
  if ('const' in schema && !same(schema.const, value)) problems.push(`${path}: must be ${JSON.stringify(schema.const)}`)
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${path}: below the minimum ${schema.minimum}`)
    if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${path}: above the maximum ${schema.maximum}`)
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`)
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push(`${path}: longer than ${schema.maxLength}`)
  }
  if (Array.isArray(value) && schema.items !== undefined && !Array.isArray(schema.items)) {
    value.forEach((item, index) => problems.push(...validate(schema.items, item, `${path}[${index}]`)))
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const name of schema.required ?? []) if (!(name in value)) problems.push(`${path}.${name}: required, missing`)
    for (const [name, item] of Object.entries(value)) {
      const property = schema.properties?.[name]
      if (property !== undefined) problems.push(...validate(property, item, `${path}.${name}`))
      else if (schema.additionalProperties === false) problems.push(`${path}.${name}: not allowed (additionalProperties: false)`)
      else if (typeof schema.additionalProperties === 'object') problems.push(...validate(schema.additionalProperties, item, `${path}.${name}`))
    }
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((option) => validate(option, value, path).length === 0)) problems.push(`${path}: matches none of anyOf`)
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter((option) => validate(option, value, path).length === 0).length !== 1) problems.push(`${path}: must match exactly one of oneOf`)
  if (Array.isArray(schema.allOf)) for (const option of schema.allOf) problems.push(...validate(option, value, path))
  return problems
}

function isType (type, value) {
  switch (type) {
    case 'null': return value === null
    case 'boolean': return typeof value === 'boolean'
    case 'number': return typeof value === 'number' && Number.isFinite(value)
    case 'integer': return Number.isInteger(value)
    case 'string': return typeof value === 'string'
    case 'array': return Array.isArray(value)
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value)
    default: return true
  }
}

function kind (value) {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
}

function same (a, b) {
  return JSON.stringify(a) === JSON.stringify(b)
}

function dataUrl (mimeType, base64) {
  return `data:${mimeType ?? 'application/octet-stream'};base64,${base64}`
}

/** One content block of a tool result or a prompt message. */
export function renderContent (block) {
  switch (block?.type) {
    case 'text': return el('pre', { class: 'text' }, block.text)
    case 'image': return el('img', { src: dataUrl(block.mimeType, block.data), alt: `Image from the server (${block.mimeType})` })
    case 'audio': return el('audio', { controls: true, src: dataUrl(block.mimeType, block.data), 'aria-label': `Audio from the server (${block.mimeType})` })
    case 'resource': return renderResourceContents(block.resource, 'Embedded resource')
    case 'resource_link': return el('p', { class: 'link' }, `Resource link: ${block.name ?? ''} `, el('code', {}, block.uri), block.description ? ` — ${block.description}` : '')
    default: return el('pre', { class: 'json' }, JSON.stringify(block, null, 2))
  }
}

/** One item of `contents` (resources/read, embedded resources): text as text, images shown, other binaries as a download. */
export function renderResourceContents (contents, what = 'Resource') {
  const caption = el('figcaption', {}, `${what}: `, el('code', {}, contents?.uri ?? '?'), contents?.mimeType ? ` (${contents.mimeType})` : '')
  let body
  if (typeof contents?.text === 'string') {
    body = el('pre', { class: 'text' }, contents.text)
  } else if (typeof contents?.blob === 'string') {
    const url = dataUrl(contents.mimeType, contents.blob)
    body = contents.mimeType?.startsWith('image/')
      ? el('img', { src: url, alt: `${what} ${contents.uri}` })
      : el('p', {}, `Binary, ${Math.floor(contents.blob.length * 3 / 4)} bytes. `, el('a', { href: url, download: 'resource' }, 'Download it'))
  } else {
    body = el('pre', { class: 'json' }, JSON.stringify(contents, null, 2))
  }
  return el('figure', { class: 'resource' }, caption, body)
}

/** `{ columns: [...], rows: [[...]] }` (db_query and the like) as a table. */
function tableOf (value) {
  if (value === null || typeof value !== 'object' || !Array.isArray(value.columns) || !Array.isArray(value.rows)) return undefined
  if (!value.columns.every((column) => typeof column === 'string') || !value.rows.every(Array.isArray)) return undefined
  const cell = (item) => item === null ? 'NULL' : typeof item === 'object' ? JSON.stringify(item) : String(item)
  return el('div', { class: 'table-wrap' }, el('table', {},
    el('caption', {}, `${value.rows.length} row${value.rows.length === 1 ? '' : 's'}${value.truncated === true ? ' (truncated)' : ''}`),
    el('thead', {}, el('tr', {}, ...value.columns.map((column) => el('th', { scope: 'col' }, column)))),
    el('tbody', {}, ...value.rows.map((row) => el('tr', {}, ...row.map((item) => el('td', {}, cell(item))))))))
}

function rawJson (label, value) {
  return el('details', {}, el('summary', {}, label), el('pre', { class: 'json' }, JSON.stringify(value, null, 2)))
}

/** A tools/call result; `isError` is shown as an error (role=alert). */
export function renderToolResult (result, outputSchema) {
  const failed = result?.isError === true
  const section = el('section', { class: failed ? 'result error' : 'result ok', 'aria-label': failed ? 'Tool error' : 'Tool result' },
    el('h3', {}, failed ? 'Tool error' : 'Result'))
  if (failed) section.setAttribute('role', 'alert')
  for (const block of result?.content ?? []) section.append(renderContent(block))
  if (result?.structuredContent !== undefined) {
    const structured = el('div', { class: 'structured' }, el('h4', {}, 'Structured content'))
    if (outputSchema !== undefined) {
      const problems = validate(outputSchema, result.structuredContent)
      structured.append(problems.length === 0
        ? el('p', { class: 'valid' }, '✓ Matches the tool\'s outputSchema')
        : el('div', { class: 'invalid', role: 'alert' }, el('p', {}, '✗ Does not match the tool\'s outputSchema:'), el('ul', {}, ...problems.map((problem) => el('li', {}, problem)))))
    }
    const table = tableOf(result.structuredContent)
    if (table !== undefined) structured.append(table)
    structured.append(el('pre', { class: 'json structured-json' }, JSON.stringify(result.structuredContent, null, 2)))
    section.append(structured)
  }
  section.append(rawJson('Raw result (JSON)', result))
  return section
}

/** A resources/read result. */
export function renderReadResult (result) {
  return el('section', { class: 'result ok', 'aria-label': 'Resource contents' }, el('h3', {}, 'Contents'),
    ...(result?.contents ?? []).map((contents) => renderResourceContents(contents)), rawJson('Raw result (JSON)', result))
}

/** A prompts/get result: each message with its role. */
export function renderPromptResult (result) {
  return el('section', { class: 'result ok', 'aria-label': 'Prompt messages' }, el('h3', {}, 'Messages'),
    result?.description ? el('p', {}, result.description) : undefined,
    ...(result?.messages ?? []).map((message) => el('div', { class: 'message' }, el('h4', {}, message.role), renderContent(message.content))),
    rawJson('Raw result (JSON)', result))
}

/** A request that failed (JSON-RPC error or HTTP refusal). */
export function renderFailure (error, what = 'Request failed') {
  const code = error?.code !== undefined ? ` (${error.code})` : error?.status !== undefined ? ` (HTTP ${error.status})` : ''
  return el('section', { class: 'result error', role: 'alert', 'aria-label': what },
    el('h3', {}, `${what}${code}`), el('pre', { class: 'text' }, error?.message ?? String(error)),
    error?.data !== undefined ? rawJson('Error data (JSON)', error.data) : undefined)
}
