// The explorer page: connects with server/discover, lists tools, resources, templates and
// prompts (page by page), and shows one at a time with a form to try it. All through the MCP
// endpoint; health and metrics come from the server's own routes.

import { el, fill } from './dom.js'
import { McpClient, McpError, META } from './mcp.js'
import { schemaForm } from './form.js'
import { renderFailure, renderPromptResult, renderReadResult, renderToolResult } from './render.js'
import { answerInputRequests } from './input.js'
import { startStatus } from './status.js'

const $ = (id) => document.getElementById(id)
let token = ''
let settings
let client
let capabilities = {}
let current
let refreshStatus = () => {}

function announce (text) {
  $('announce').textContent = text
}

async function start () {
  settings = await (await fetch('./settings.json')).json()
  client = new McpClient(settings.endpoints.mcp, () => token)
  $('auth').hidden = !settings.auth
  $('auth').addEventListener('submit', (event) => {
    event.preventDefault()
    token = $('token').value.trim()
    connect()
  })
  refreshStatus = startStatus(settings.endpoints, () => token)
  if (settings.auth) {
    $('server-info').textContent = 'This server needs a bearer token: type it above, then connect.'
    $('token').focus()
  }
  await connect()
}

async function connect () {
  for (const id of ['tools', 'resources', 'templates', 'prompts']) fill($(id))
  let discovered
  try {
    discovered = await client.request('server/discover')
  } catch (error) {
    const refused = error instanceof McpError && (error.status === 401 || error.status === 403)
    fill($('server-info'), refused
      ? `Refused (HTTP ${error.status}): ${settings.auth ? 'type a valid bearer token above, then connect.' : error.message}`
      : `Cannot reach the server: ${error.message}`)
    $('server-info').setAttribute('role', 'alert')
    if (refused) $('token').focus()
    return
  }
  $('server-info').removeAttribute('role')
  capabilities = discovered.capabilities ?? {}
  const info = discovered._meta?.[META.serverInfo] ?? {}
  fill($('server-info'), `${info.title ?? info.name ?? 'MCP server'} ${info.version ?? ''} · protocol ${discovered.supportedVersions?.join(', ') ?? '?'}`,
    discovered.instructions ? el('span', { class: 'instructions' }, ` · ${discovered.instructions}`) : undefined)
  announce('Connected')
  if (capabilities.tools !== undefined) loadList('tools/list', 'tools', $('tools'), (tool) => showTool(tool))
  if (capabilities.resources !== undefined) {
    loadList('resources/list', 'resources', $('resources'), (resource) => showResource(resource), (r) => r.name ?? r.uri)
    loadList('resources/templates/list', 'resourceTemplates', $('templates'), (template) => showTemplate(template), (t) => t.name ?? t.uriTemplate)
  }
  if (capabilities.prompts !== undefined) loadList('prompts/list', 'prompts', $('prompts'), (prompt) => showPrompt(prompt))
}

/** One page of a list; a "More" button fetches the next while there is a nextCursor. */
async function loadList (method, key, list, open, nameOf = (item) => item.name, cursor) {
  let result
  try {
    result = await client.request(method, cursor === undefined ? {} : { cursor })
  } catch (error) {
    list.append(el('li', {}, renderFailure(error, `${method} failed`)))
    return
  }
  for (const item of result[key] ?? []) {
    const button = el('button', { type: 'button' }, nameOf(item),
      item.title && item.title !== nameOf(item) ? el('span', { class: 'title' }, ` — ${item.title}`) : undefined)
    button.addEventListener('click', () => {
      for (const other of document.querySelectorAll('nav button[aria-current]')) other.removeAttribute('aria-current')
      button.setAttribute('aria-current', 'true')
      open(item)
    })
    list.append(el('li', {}, button))
  }
  if (result.nextCursor !== undefined) {
    const more = el('button', { type: 'button', class: 'small' }, `More ${key === 'resourceTemplates' ? 'templates' : key}`)
    more.addEventListener('click', () => {
      more.parentElement.remove()
      loadList(method, key, list, open, nameOf, result.nextCursor)
    })
    list.append(el('li', {}, more))
  }
  if ((result[key] ?? []).length === 0 && cursor === undefined) list.append(el('li', { class: 'muted' }, 'None.'))
}

/** The detail pane: a heading, what the item says of itself, then `parts`. */
function showDetail (title, description, ...parts) {
  current?.abort?.()
  current = undefined
  const main = $('detail')
  fill(main, el('h2', { id: 'detail-title' }, title), description ? el('p', { class: 'description' }, description) : undefined, ...parts)
  main.setAttribute('aria-labelledby', 'detail-title')
  main.focus()
}

/**
 * Runs one request with its activity shown: progress, log messages, input requests (in
 * `inputArea`), and a Cancel button that closes the stream (Streamable HTTP's cancellation).
 */
function runner ({ runButton, cancelButton, activity, inputArea, output }) {
  return async (label, send, render) => {
    const controller = new AbortController()
    current = controller
    runButton.disabled = true
    cancelButton.disabled = false
    const progress = el('progress', { 'aria-label': `${label}: progress` })
    const status = el('p', { role: 'status' }, `${label}: running…`)
    const log = el('ol', { class: 'log', role: 'log', 'aria-label': 'Log messages' })
    fill(activity, status, progress, log)
    fill(output)
    const onMessage = (message) => {
      if (message.method === 'notifications/progress') {
        const { progress: done, total, message: text } = message.params ?? {}
        if (typeof total === 'number') { progress.max = total; progress.value = done } else progress.removeAttribute('value')
        status.textContent = `${label}: ${text ?? `progress ${done}${typeof total === 'number' ? ` of ${total}` : ''}`}`
      } else if (message.method === 'notifications/message') {
        const { level, logger, data } = message.params ?? {}
        log.append(el('li', {}, el('span', { class: `level level-${level}` }, level ?? 'log'), logger ? `[${logger}] ` : '', typeof data === 'string' ? data : JSON.stringify(data)))
      }
    }
    const onInput = (requests, round) => answerInputRequests(inputArea, requests, round, controller.signal)
    const started = performance.now()
    try {
      const result = await send({ signal: controller.signal, onMessage, onInput, logLevel: 'debug', progressToken: `explorer-${Date.now()}-${Math.random().toString(36).slice(2)}` })
      status.textContent = `${label}: done in ${Math.round(performance.now() - started)} ms`
      fill(output, render(result))
    } catch (error) {
      if (controller.signal.aborted) {
        status.textContent = `${label}: cancelled`
        fill(output, el('p', { class: 'cancelled', role: 'alert' }, `Cancelled: ${label} was stopped (the request's stream was closed).`))
      } else {
        status.textContent = `${label}: failed`
        fill(output, renderFailure(error))
      }
    } finally {
      progress.remove()
      fill(inputArea)
      runButton.disabled = false
      cancelButton.disabled = true
      if (current === controller) current = undefined
      refreshStatus()
    }
  }
}

/** A form with a run button, a cancel button, and the places activity and results go. */
function actionForm (runLabel, fields, onRun) {
  const runButton = el('button', { type: 'submit', class: 'primary' }, runLabel)
  const cancelButton = el('button', { type: 'button', disabled: true }, 'Cancel')
  const activity = el('div', { class: 'activity' })
  const inputArea = el('div', { class: 'input-area' })
  const output = el('div', { class: 'output' })
  const form = el('form', { class: 'action', 'aria-label': runLabel }, ...fields, el('div', { class: 'actions' }, runButton, cancelButton))
  cancelButton.addEventListener('click', () => current?.abort())
  const run = runner({ runButton, cancelButton, activity, inputArea, output })
  const errorArea = el('div')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    fill(errorArea)
    try {
      onRun(run)
    } catch (error) {
      fill(errorArea, renderFailure(error, 'Check the arguments'))
    }
  })
  return [form, errorArea, activity, inputArea, output]
}

function showTool (tool) {
  const args = schemaForm(tool.inputSchema ?? { type: 'object', properties: {} }, 'arguments')
  const facts = []
  const hints = Object.entries(tool.annotations ?? {}).filter(([key]) => key !== 'title').map(([key, value]) => `${key}: ${value}`)
  if (hints.length > 0) facts.push(el('p', { class: 'muted' }, `Annotations — ${hints.join(', ')}`))
  if (tool.execution?.taskSupport !== undefined) facts.push(el('p', { class: 'muted' }, `Task support: ${tool.execution.taskSupport}`))
  showDetail(tool.title && tool.title !== tool.name ? `${tool.name} — ${tool.title}` : tool.name, tool.description, ...facts,
    ...actionForm(`Call ${tool.name}`, [args.element], (run) => {
      const values = args.read()
      run(tool.name, (options) => client.request('tools/call', { name: tool.name, arguments: values }, options),
        (result) => renderToolResult(result, tool.outputSchema))
    }),
    el('details', {}, el('summary', {}, 'Schemas (JSON)'), el('pre', { class: 'json' }, JSON.stringify({ inputSchema: tool.inputSchema, outputSchema: tool.outputSchema }, null, 2))))
}

function showResource (resource) {
  showDetail(resource.name ?? resource.uri, resource.description,
    el('p', {}, el('code', {}, resource.uri), resource.mimeType ? ` (${resource.mimeType})` : ''),
    ...actionForm(`Read ${resource.name ?? resource.uri}`, [], (run) => {
      run(resource.uri, (options) => client.request('resources/read', { uri: resource.uri }, options), renderReadResult)
    }))
}

/** The variables of an RFC 6570 template (`{table}`, `{+path}`, `{?a,b}`). */
function variablesOf (template) {
  const names = []
  for (const [, expression] of template.matchAll(/\{([^}]+)\}/g)) {
    for (const part of expression.replace(/^[+#./;?&]/, '').split(',')) names.push(part.replace(/[*]$|:\d+$/, ''))
  }
  return [...new Set(names)]
}

function expand (template, values) {
  return template.replace(/\{([^}]+)\}/g, (_, expression) => {
    const operator = /^[+#./;?&]/.test(expression) ? expression[0] : ''
    const names = expression.slice(operator.length).split(',').map((part) => part.replace(/[*]$|:\d+$/, ''))
    const encode = (value) => operator === '+' || operator === '#' ? encodeURI(value) : encodeURIComponent(value)
    const given = names.filter((name) => values[name] !== undefined && values[name] !== '')
    if (operator === '?' || operator === '&') return given.length === 0 ? '' : operator + given.map((name) => `${name}=${encode(values[name])}`).join('&')
    const joined = given.map((name) => encode(values[name])).join(',')
    return joined === '' ? '' : (operator === '+' ? '' : operator) + joined
  })
}

/** A text field that offers the server's completions (completion/complete) as the user types. */
function completingField (name, label, required, ref, otherValues) {
  const id = `complete-${name}-${Math.random().toString(36).slice(2)}`
  const input = el('input', { id, name, type: 'text', list: `${id}-list`, autocomplete: 'off' })
  if (required) input.required = true
  const options = el('datalist', { id: `${id}-list` })
  const hint = el('small', { id: `${id}-hint`, class: 'hint', 'aria-live': 'polite' })
  input.setAttribute('aria-describedby', hint.id)
  let timer
  let asked = 0
  const suggest = async () => {
    if (capabilities.completions === undefined) return
    // Answers can overtake each other: only the latest question's answer is shown.
    const question = ++asked
    try {
      const context = otherValues()
      delete context[name]
      const result = await client.request('completion/complete', { ref, argument: { name, value: input.value }, context: { arguments: context } })
      if (question !== asked) return
      const values = result.completion?.values ?? []
      fill(options, ...values.map((value) => el('option', { value })))
      hint.textContent = values.length === 0 ? 'No suggestions.' : `Suggestions: ${values.slice(0, 10).join(', ')}${result.completion?.hasMore ? ', …' : ''}`
    } catch (error) {
      hint.textContent = `Completion failed: ${error.message}`
    }
  }
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(suggest, 150) })
  input.addEventListener('focus', suggest, { once: true })
  return { input, element: el('div', { class: 'field' }, el('label', { for: id }, label), input, options, hint) }
}

function showTemplate (template) {
  const values = () => Object.fromEntries(fields.map((field) => [field.input.name, field.input.value]))
  const fields = variablesOf(template.uriTemplate).map((name) =>
    completingField(name, `${name} (required)`, true, { type: 'ref/resource', uri: template.uriTemplate }, values))
  const preview = el('p', {}, 'URI: ', el('code', { class: 'uri-preview' }, template.uriTemplate))
  for (const field of fields) field.input.addEventListener('input', () => { preview.lastChild.textContent = expand(template.uriTemplate, values()) })
  showDetail(template.name ?? template.uriTemplate, template.description,
    el('p', {}, 'Template: ', el('code', {}, template.uriTemplate), template.mimeType ? ` (${template.mimeType})` : ''),
    ...actionForm(`Read ${template.name ?? 'resource'}`, [...fields.map((field) => field.element), preview], (run) => {
      const uri = expand(template.uriTemplate, values())
      run(uri, (options) => client.request('resources/read', { uri }, options), renderReadResult)
    }))
}

function showPrompt (prompt) {
  const values = () => Object.fromEntries(fields.map((field) => [field.input.name, field.input.value]))
  const fields = (prompt.arguments ?? []).map((argument) => {
    let label = argument.name
    if (argument.title && argument.title !== argument.name) label += ` — ${argument.title}`
    if (argument.required) label += ' (required)'
    const field = completingField(argument.name, label, argument.required === true, { type: 'ref/prompt', name: prompt.name }, values)
    if (argument.description) field.element.insertBefore(el('small', { class: 'hint' }, argument.description), field.input.nextSibling)
    return field
  })
  showDetail(prompt.title && prompt.title !== prompt.name ? `${prompt.name} — ${prompt.title}` : prompt.name, prompt.description,
    ...actionForm(`Get ${prompt.name}`, fields.length > 0 ? fields.map((field) => field.element) : [el('p', { class: 'muted' }, 'No arguments.')], (run) => {
      const args = Object.fromEntries(Object.entries(values()).filter(([, value]) => value !== ''))
      run(prompt.name, (options) => client.request('prompts/get', { name: prompt.name, arguments: args }, options), renderPromptResult)
    }))
}

start().catch((error) => {
  fill($('server-info'), `The explorer could not start: ${error.message}`)
  $('server-info').setAttribute('role', 'alert')
})
