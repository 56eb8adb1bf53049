/**
 * The explorer's generated forms in a real browser: every kind of schema the
 * issue lists (strings, numbers, booleans, enums, arrays, nested objects,
 * required fields, descriptions, defaults), labels that start with the
 * property name, the raw JSON editor, keyboard-only use, and results with
 * images and embedded resources.
 */
import t from 'tap'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { startTestServer } from '@mcp-platform/server/testing'
import conformance from '../fixtures/conformance/index.ts'
import { launchBrowser, noPageErrors, openPage, screenshot } from './browser.ts'

/** Echoes its arguments as structured content, so the test sees exactly what the form sent. */
const kinds: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'echo_kinds',
    description: 'Returns its arguments',
    input: Type.Object({
      label: Type.String({ title: 'Label', description: 'A short text', default: 'hello', maxLength: 40 }),
      count: Type.Integer({ minimum: 1, default: 2, description: 'How many' }),
      ratio: Type.Optional(Type.Number({ description: 'Any number' })),
      loud: Type.Boolean({ default: false }),
      colour: Type.Union([Type.Literal('red'), Type.Literal('green'), Type.Literal('blue')], { description: 'An enum' }),
      size: Type.Optional(Type.String({ enum: ['S', 'M', 'L'] })),
      tags: Type.Array(Type.String({ maxLength: 20 }), { description: 'An array' }),
      point: Type.Object({ x: Type.Number(), y: Type.Number({ default: 0 }) }, { description: 'A nested object' }),
      extra: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Number())], { description: 'A union: a JSON field' }))
    }, { additionalProperties: false }),
    handler: (args) => ({ text: 'echoed', structuredContent: { args } })
  })
  app.mcp.tool({
    name: 'markup',
    description: 'Returns markup, which the page must show as text',
    handler: () => '<b id="injected">bold</b><img src=x onerror="globalThis.pwned=1">'
  })
}

const browser = await launchBrowser(t)
if (browser !== undefined) {
  const server = await startTestServer(t, { plugins: [{ plugin: kinds }, { plugin: conformance }] })
  const explorerUrl = `http://127.0.0.1:${server.port}/explorer/`
  const echoed = async (page: import('playwright-core').Page) => {
    const result = page.getByRole('region', { name: 'Tool result' })
    await result.waitFor()
    return JSON.parse(await result.locator('.structured-json').textContent() ?? 'null').args
  }

  t.test('every kind of field, with the keyboard only', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    const open = page.getByRole('button', { name: /^echo_kinds\b/ })
    await open.focus()
    await page.keyboard.press('Enter')
    const form = page.getByRole('form', { name: 'Call echo_kinds' })
    await form.waitFor()
    t.equal(await page.getByLabel(/^label — Label/).inputValue(), 'hello', 'a default fills the field; the label is the name, then the title')
    t.equal(await page.getByLabel(/^count/).inputValue(), '2', 'a numeric default')
    t.match(await page.getByLabel(/^label/).getAttribute('aria-describedby'), /hint/, 'the description is tied to its field')
    t.equal(await page.getByLabel(/^count/).getAttribute('type'), 'number')
    t.equal(await page.getByLabel(/^loud/).getAttribute('type'), 'checkbox')
    t.equal(await page.getByLabel(/^colour/).evaluate((node) => node.tagName), 'SELECT', 'an enum is a choice')
    t.ok(await page.getByLabel(/^label/).evaluate((node) => (node as any).required), 'required fields are required')
    t.notOk(await page.getByLabel(/^ratio/).evaluate((node) => (node as any).required), 'optional ones are not')

    // Every control's label starts with its property name.
    const labels = await form.locator('input, select, textarea').evaluateAll((nodes) => nodes
      .filter((node) => !(node as any).closest('[hidden]'))
      .map((node) => ({ name: (node as any).name, label: (node as any).labels?.[0]?.textContent ?? '' })))
    t.ok(labels.length >= 9, 'the fields are there')
    for (const { name, label } of labels) t.ok(label.startsWith(name), `the label "${label}" starts with "${name}"`)
    // Every button has a name.
    const names = await page.getByRole('button').evaluateAll((nodes) => nodes.map((node) => node.textContent?.trim() ?? ''))
    t.notOk(names.some((name) => name === ''), 'every button has a name')

    await page.getByLabel(/^label/).fill('')
    await page.getByLabel(/^label/).pressSequentially('keyboard')
    await page.getByLabel(/^ratio/).pressSequentially('0.5')
    await page.getByLabel(/^loud/).focus()
    await page.keyboard.press('Space')
    await page.getByLabel(/^colour/).focus()
    await page.keyboard.press('ArrowDown')
    await page.getByLabel(/^colour/).selectOption({ label: 'green' })
    await page.getByRole('button', { name: 'Add tags item' }).focus()
    await page.keyboard.press('Enter')
    // Adding an item moves the focus into it.
    await page.keyboard.type('a')
    await page.getByRole('button', { name: 'Add tags item' }).focus()
    await page.keyboard.press('Enter')
    await page.keyboard.type('b')
    await page.getByLabel(/^x/).pressSequentially('3')
    await page.getByLabel(/^extra/).fill('[1, 2]')
    await screenshot(t, page, 'form-kinds')
    await page.getByLabel(/^x/).press('Enter')
    t.same(await echoed(page), {
      label: 'keyboard', count: 2, ratio: 0.5, loud: true, colour: 'green', tags: ['a', 'b'], point: { x: 3, y: 0 }, extra: [1, 2]
    }, 'the tool got the values of every kind, typed')
    noPageErrors(t, page)
  })

  t.test('Tab alone reaches a tool, its fields and its button', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^echo_kinds\b/ }).waitFor()
    const focused = () => page.evaluate(() => {
      const node = (globalThis as any).document.activeElement
      return `${node?.tagName}:${node?.textContent?.trim().slice(0, 40) ?? ''}:${node?.name ?? ''}`
    })
    let presses = 0
    while (!(await focused()).startsWith('BUTTON:echo_kinds') && presses < 80) { await page.keyboard.press('Tab'); presses++ }
    t.ok(presses < 80, `the tool's button is reached with Tab (${presses} presses)`)
    await page.keyboard.press('Enter')
    const seen: string[] = []
    for (let i = 0; i < 4; i++) { await page.keyboard.press('Tab'); seen.push(await focused()) }
    t.match(seen.join(' | '), /BUTTON:Edit arguments as JSON.*INPUT::label/, 'from the detail pane, Tab goes to the JSON toggle, then the first field')
    noPageErrors(t, page)
  })

  t.test('the raw JSON editor: prefilled from the form, sent as typed', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^echo_kinds\b/ }).click()
    await page.getByRole('button', { name: 'Edit arguments as JSON' }).click()
    const raw = page.getByLabel('arguments (JSON)')
    t.match(JSON.parse(await raw.inputValue()), { label: 'hello', count: 2 }, 'the editor starts from the form\'s values')
    await raw.fill(JSON.stringify({ label: 'raw', count: 5, loud: false, colour: 'blue', tags: [], point: { x: 1, y: 2 } }))
    await page.getByRole('button', { name: 'Call echo_kinds' }).click()
    t.same(await echoed(page), { label: 'raw', count: 5, loud: false, colour: 'blue', tags: [], point: { x: 1, y: 2 } }, 'sent as typed')
    await page.getByRole('button', { name: 'Edit arguments in the form' }).click()
    t.ok(await page.getByLabel(/^label/).isVisible(), 'back to the form')
    noPageErrors(t, page)
  })

  t.test('arguments the server refuses, and JSON that does not parse', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^echo_kinds\b/ }).click()
    await page.getByRole('button', { name: 'Edit arguments as JSON' }).click()
    await page.getByLabel('arguments (JSON)').fill('{"label": 5}')
    await page.getByRole('button', { name: 'Call echo_kinds' }).click()
    const refused = page.getByRole('alert').filter({ hasText: 'Tool error' })
    await refused.waitFor()
    t.match(await refused.textContent(), /Invalid arguments for tool "echo_kinds"/, 'the server\'s validation message, as a tool error')
    await page.getByLabel('arguments (JSON)').fill('{"label": ')
    await page.getByRole('button', { name: 'Call echo_kinds' }).click()
    const local = page.getByRole('alert').filter({ hasText: 'Check the arguments' })
    await local.waitFor()
    t.match(await local.textContent(), /arguments \(JSON\)/, 'names the editor whose JSON is wrong; nothing is sent')
    noPageErrors(t, page)
  })

  t.test('what a tool returns is shown as text, never run as markup', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^markup\b/ }).click()
    await page.getByRole('button', { name: 'Call markup' }).click()
    const result = page.getByRole('region', { name: 'Tool result' })
    t.match(await result.locator('pre.text').first().textContent(), /^<b id="injected">bold<\/b><img/, 'the markup, as text')
    t.equal(await page.locator('#injected').count(), 0, 'no element was made from it')
    t.equal(await page.evaluate(() => (globalThis as any).pwned), undefined, 'no handler ran')
    noPageErrors(t, page)
  })

  t.test('images and embedded resources in a result', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^test_multiple_content_types\b/ }).click()
    await page.getByRole('button', { name: 'Call test_multiple_content_types' }).click()
    const result = page.getByRole('region', { name: 'Tool result' })
    await result.waitFor()
    const image = result.getByRole('img')
    t.equal(await image.evaluate((node) => (node as any).naturalWidth), 1, 'the PNG is decoded (1x1)')
    t.match(await result.locator('figure.resource').textContent(), /test:\/\/mixed-content-resource.*"value":123/s, 'the embedded resource with its URI and text')
    await page.getByRole('button', { name: /^test_audio_content\b/ }).click()
    await page.getByRole('button', { name: 'Call test_audio_content' }).click()
    await page.getByRole('region', { name: 'Tool result' }).locator('audio').waitFor()
    t.pass('audio gets a player')
    noPageErrors(t, page)
  })
}
