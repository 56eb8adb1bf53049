// Forms generated from a JSON Schema (a tool's inputSchema, an elicitation's requestedSchema):
// strings, numbers, integers, booleans, enums, arrays, nested objects, required fields,
// descriptions and defaults. Anything else (unions, $ref, …) gets a JSON field of its own, and
// the whole form can be swapped for a raw JSON editor. Every label starts with the property
// name, then its title.

import { el } from './dom.js'

let uid = 0
const newId = (base) => `${base.replace(/[^A-Za-z0-9_-]/g, '_')}-${++uid}`

/** The schema's one non-null type (`["string", "null"]` is a string that may be left empty). */
function typeOf (schema) {
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type) => type !== 'null')
    return types.length === 1 ? types[0] : undefined
  }
  return schema.type
}

/** Choices of an enum: `enum`, or `oneOf`/`anyOf` of `const`s with titles (elicitation's titled enums). */
function choicesOf (schema) {
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => ({ value, label: String(value) }))
  const options = schema.oneOf ?? schema.anyOf
  if (Array.isArray(options) && options.length > 0 && options.every((option) => option !== null && typeof option === 'object' && 'const' in option)) {
    return options.map((option) => ({ value: option.const, label: option.title ?? String(option.const) }))
  }
  return undefined
}

function labelText (name, schema, required) {
  let text = name
  if (typeof schema.title === 'string' && schema.title !== '' && schema.title !== name) text += ` — ${schema.title}`
  if (required) text += ' (required)'
  return text
}

/** A label, the control and its description, wired together for assistive technology. */
function wrap (name, schema, required, control, id) {
  const parts = [el('label', { for: id }, labelText(name, schema, required)), control]
  if (typeof schema.description === 'string' && schema.description !== '') {
    const hint = el('small', { id: `${id}-hint`, class: 'hint' }, schema.description)
    control.setAttribute('aria-describedby', hint.id)
    parts.push(hint)
  }
  return el('div', { class: 'field' }, ...parts)
}

/** A field for `schema`: `{ element, read() }`, where read() is the value, or undefined when left empty. */
function field (name, schema, required, initial) {
  const value = initial !== undefined ? initial : schema.default
  const choices = choicesOf(schema)
  const type = typeOf(schema)
  const id = newId(name)
  if (choices !== undefined) {
    const select = el('select', { id, name },
      ...(required && value !== undefined ? [] : [el('option', { value: '' }, '(none)')]),
      ...choices.map((choice, index) => el('option', { value: String(index) }, choice.label)))
    const at = choices.findIndex((choice) => choice.value === value)
    select.value = at === -1 ? '' : String(at)
    if (required) select.required = true
    return { element: wrap(name, schema, required, select, id), read: () => select.value === '' ? undefined : choices[Number(select.value)].value }
  }
  if (type === 'boolean') {
    const box = el('input', { id, name, type: 'checkbox' })
    box.checked = value === true
    // A checkbox always has a value: an optional one left untouched is not sent.
    let touched = value !== undefined
    box.addEventListener('change', () => { touched = true })
    const element = wrap(name, schema, required, box, id)
    element.classList.add('check')
    return { element, read: () => (required || touched) ? box.checked : undefined }
  }
  if (type === 'number' || type === 'integer') {
    const input = el('input', { id, name, type: 'number', step: type === 'integer' ? '1' : 'any' })
    if (typeof schema.minimum === 'number') input.min = String(schema.minimum)
    if (typeof schema.maximum === 'number') input.max = String(schema.maximum)
    if (typeof value === 'number') input.value = String(value)
    if (required) input.required = true
    return { element: wrap(name, schema, required, input, id), read: () => input.value === '' ? undefined : Number(input.value) }
  }
  if (type === 'string') {
    const long = schema.maxLength === undefined || schema.maxLength > 120
    const formats = { email: 'email', uri: 'url', date: 'date', 'date-time': 'datetime-local' }
    const input = long && formats[schema.format] === undefined
      ? el('textarea', { id, name, rows: '2' })
      : el('input', { id, name, type: formats[schema.format] ?? 'text' })
    if (typeof schema.minLength === 'number') input.minLength = schema.minLength
    if (typeof schema.maxLength === 'number') input.maxLength = schema.maxLength
    if (typeof value === 'string') input.value = value
    if (required) input.required = true
    // Enter runs the form from a one-line textarea too (Shift+Enter: a new line).
    if (input.tagName === 'TEXTAREA') {
      input.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); input.form?.requestSubmit() }
      })
    }
    return { element: wrap(name, schema, required, input, id), read: () => input.value === '' ? (required ? '' : undefined) : input.value }
  }
  if (type === 'object' && schema.properties !== undefined) {
    const group = objectFields(schema, value)
    const fieldset = el('fieldset', { class: 'nested' }, el('legend', {}, labelText(name, schema, required)))
    if (typeof schema.description === 'string') fieldset.append(el('small', { class: 'hint' }, schema.description))
    fieldset.append(...group.elements)
    return { element: fieldset, read: () => { const v = group.read(); return Object.keys(v).length === 0 && !required ? undefined : v } }
  }
  if (type === 'array' && schema.items !== undefined && !Array.isArray(schema.items)) {
    return arrayField(name, schema, required, value)
  }
  return jsonField(name, schema, required, value, id)
}

/** Anything the form cannot show as controls: a JSON value typed by hand. */
function jsonField (name, schema, required, value, id) {
  const area = el('textarea', { id, name, rows: '2', spellcheck: 'false', class: 'json' })
  if (value !== undefined) area.value = JSON.stringify(value)
  if (required) area.required = true
  const element = wrap(`${name}`, { ...schema, title: schema.title ?? 'JSON value' }, required, area, id)
  return {
    element,
    read: () => {
      if (area.value.trim() === '') return undefined
      try {
        return JSON.parse(area.value)
      } catch {
        throw new Error(`${name}: not valid JSON`)
      }
    }
  }
}

/** An array: one field per item, with buttons to add and remove items. */
function arrayField (name, schema, required, value) {
  const list = el('ol', { class: 'items' })
  const items = []
  const fieldset = el('fieldset', { class: 'nested' }, el('legend', {}, labelText(name, schema, required)))
  if (typeof schema.description === 'string') fieldset.append(el('small', { class: 'hint' }, schema.description))
  const renumber = () => items.forEach((item, index) => item.setName(`${name}[${index}]`))
  const add = (initial) => {
    const index = items.length
    const built = field(`${name}[${index}]`, schema.items, true, initial)
    const remove = el('button', { type: 'button', class: 'small' }, `Remove ${name}[${index}]`)
    const row = el('li', {}, built.element, remove)
    const item = {
      read: built.read,
      setName (label) {
        remove.textContent = `Remove ${label}`
        const legendOrLabel = built.element.querySelector('label, legend')
        if (legendOrLabel !== null) legendOrLabel.textContent = labelText(label, schema.items, true)
      }
    }
    remove.addEventListener('click', () => {
      items.splice(items.indexOf(item), 1)
      row.remove()
      renumber()
      addButton.focus()
    })
    items.push(item)
    list.append(row)
  }
  const addButton = el('button', { type: 'button', class: 'small' }, `Add ${name} item`)
  addButton.addEventListener('click', () => {
    add(undefined)
    list.lastElementChild?.querySelector('input, textarea, select')?.focus()
  })
  if (Array.isArray(value)) for (const initial of value) add(initial)
  fieldset.append(list, addButton)
  return {
    element: fieldset,
    read: () => {
      const values = items.map((item) => item.read())
      return values.length === 0 && !required ? undefined : values
    }
  }
}

function objectFields (schema, values = {}) {
  const required = new Set(Array.isArray(schema.required) ? schema.required : [])
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) =>
    [name, field(name, property ?? {}, required.has(name), values?.[name])])
  return {
    elements: fields.map(([, built]) => built.element),
    read: () => {
      const out = {}
      for (const [name, built] of fields) {
        const value = built.read()
        if (value !== undefined) out[name] = value
      }
      return out
    }
  }
}

/** Whether the form can show `schema` as controls (else only the JSON editor). */
export function formable (schema) {
  return schema !== null && typeof schema === 'object' && typeof schema.properties === 'object' &&
    (schema.type === undefined || schema.type === 'object')
}

/**
 * A form for an object schema with a raw JSON editor beside it: `{ element, read() }`.
 * `name` prefixes ids; the JSON editor's label is `${name} (JSON)`.
 */
export function schemaForm (schema, name, initial) {
  const container = el('div', { class: 'schema-form' })
  const group = formable(schema) ? objectFields(schema, initial) : undefined
  // A fieldset, so that hidden controls can be disabled: the browser then skips their validation.
  const controls = el('fieldset', { class: 'controls' }, ...(group?.elements ?? []))
  const rawId = newId(`${name}-json`)
  const raw = el('textarea', { id: rawId, rows: '6', spellcheck: 'false', class: 'json' })
  const rawField = el('div', { class: 'field' }, el('label', { for: rawId }, `${name} (JSON)`), raw)
  let rawMode = group === undefined
  const toggle = el('button', { type: 'button', class: 'small' })
  const show = () => {
    controls.hidden = rawMode
    controls.disabled = rawMode
    rawField.hidden = !rawMode
    raw.disabled = !rawMode
    toggle.textContent = rawMode ? `Edit ${name} in the form` : `Edit ${name} as JSON`
    toggle.hidden = group === undefined
  }
  toggle.addEventListener('click', () => {
    if (!rawMode) raw.value = JSON.stringify(group.read(), null, 2)
    rawMode = !rawMode
    show()
    ;(rawMode ? raw : controls.querySelector('input, textarea, select'))?.focus()
  })
  raw.value = JSON.stringify(initial ?? {}, null, 2)
  show()
  if (group !== undefined && group.elements.length === 0) controls.append(el('p', { class: 'muted' }, 'No arguments.'))
  container.append(toggle, controls, rawField)
  return {
    element: container,
    read () {
      if (!rawMode) return group.read()
      try {
        const value = JSON.parse(raw.value === '' ? '{}' : raw.value)
        if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('must be a JSON object')
        return value
      } catch (error) {
        throw new Error(`${name} (JSON): ${error.message}`)
      }
    }
  }
}
