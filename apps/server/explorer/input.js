// Answering a server's input requests (2026-07-28 multi round-trip: an `input_required` result
// lists them; the page answers and retries). Elicitations get a form from their
// requestedSchema; a sampling request gets a text box where a person writes the model's reply;
// a roots request is answered at once with no roots (the page shares no files).

import { el, fill } from './dom.js'
import { schemaForm } from './form.js'

/** Shows every request of `requests` in `area`; resolves with the `inputResponses` once all are answered. */
export function answerInputRequests (area, requests, round, signal) {
  const entries = Object.entries(requests)
  const answers = {}
  const pending = []
  const heading = el('h3', { id: `input-title-${round}` }, `The server asks for input (round ${round})`)
  fill(area, heading)
  for (const [key, request] of entries) {
    if (request?.method === 'roots/list') {
      answers[key] = { roots: [] }
      area.append(el('p', { class: 'muted' }, `${key}: the server asked for roots; answered with none.`))
    } else if (request?.method === 'elicitation/create') {
      pending.push(elicitation(area, key, request.params ?? {}, answers))
    } else if (request?.method === 'sampling/createMessage') {
      pending.push(sampling(area, key, request.params ?? {}, answers))
    } else {
      return Promise.reject(new Error(`The server asked for ${request?.method}, which this page cannot answer`))
    }
  }
  const first = area.querySelector('input, textarea, select, button')
  first?.focus()
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
    Promise.all(pending).then(() => {
      fill(area, el('p', { class: 'muted', role: 'status' }, `Input sent (round ${round}).`))
      resolve(answers)
    }, reject)
  })
}

function elicitation (area, key, params, answers) {
  return new Promise((resolve) => {
    const box = el('form', { class: 'input-request', 'aria-label': `Input requested: ${key}` })
    box.append(el('h4', {}, `Elicitation: ${key}`), el('p', { class: 'elicit-message' }, params.message ?? ''))
    let form
    if (params.mode === 'url') {
      box.append(el('p', {}, 'Open this address, finish there, then say so: ', el('a', { href: params.url, target: '_blank', rel: 'noopener noreferrer' }, params.url)))
    } else {
      form = schemaForm(params.requestedSchema ?? { type: 'object', properties: {} }, key)
      box.append(form.element)
    }
    const error = el('div')
    const accept = el('button', { type: 'submit', class: 'primary' }, params.mode === 'url' ? 'Done' : 'Accept')
    const decline = el('button', { type: 'button' }, 'Decline')
    const cancel = el('button', { type: 'button' }, 'Dismiss')
    box.append(error, el('div', { class: 'actions' }, accept, decline, cancel))
    const done = (answer) => {
      answers[key] = answer
      fill(box, el('p', { class: 'muted' }, `${key}: ${answer.action}`))
      resolve()
    }
    box.addEventListener('submit', (event) => {
      event.preventDefault()
      if (form === undefined) return done({ action: 'accept' })
      try {
        done({ action: 'accept', content: form.read() })
      } catch (problem) {
        fill(error, el('p', { role: 'alert', class: 'invalid' }, problem.message))
      }
    })
    decline.addEventListener('click', () => done({ action: 'decline' }))
    cancel.addEventListener('click', () => done({ action: 'cancel' }))
    area.append(box)
  })
}

function sampling (area, key, params, answers) {
  return new Promise((resolve) => {
    const id = `sampling-${key}-${Math.random().toString(36).slice(2)}`
    const reply = el('textarea', { id, rows: '3', required: true })
    const box = el('form', { class: 'input-request', 'aria-label': `Input requested: ${key}` },
      el('h4', {}, `Sampling: ${key}`),
      el('p', {}, 'The server asks a model to answer this. You answer for the model.'),
      ...(params.messages ?? []).map((message) => el('p', {}, el('strong', {}, `${message.role}: `), message.content?.type === 'text' ? message.content.text : `[${message.content?.type}]`)),
      el('div', { class: 'field' }, el('label', { for: id }, `${key} — the model's reply`), reply),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Send reply')))
    box.addEventListener('submit', (event) => {
      event.preventDefault()
      answers[key] = { role: 'assistant', content: { type: 'text', text: reply.value }, model: 'a person, in the explorer', stopReason: 'endTurn' }
      fill(box, el('p', { class: 'muted' }, `${key}: replied`))
      resolve()
    })
    area.append(box)
  })
}
