/**
 * The explorer's resources, templates (with completion), prompts and list
 * pagination in a real browser, and the page behind auth: refused without a
 * token, working with one.
 */
import t from 'tap'
import type { FastifyPluginAsync } from 'fastify'
import { startTestServer } from '@mcp-platform/server/testing'
import conformance from '../fixtures/conformance/index.ts'
import { claims, hs256, ISSUER, RESOURCE_ORIGIN, SECRET } from '../auth/helpers.ts'
import { launchBrowser, noPageErrors, openPage, screenshot } from './browser.ts'

const browser = await launchBrowser(t)
if (browser !== undefined) {
  const server = await startTestServer(t, { plugins: [{ plugin: conformance }] })
  const explorerUrl = `http://127.0.0.1:${server.port}/explorer/`

  t.test('a resource template filled in, with the server\'s completions offered', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^template-data\b/ }).click()
    const id = page.getByLabel(/^id/)
    await id.pressSequentially('4')
    const hint = page.locator('.hint', { hasText: /^Suggestions: 456$/ })
    await hint.waitFor()
    t.pass('completion/complete narrowed the ids to 456')
    t.same(await page.locator(`datalist#${await id.getAttribute('list')} option`).evaluateAll((nodes) => nodes.map((node) => (node as any).value)), ['456'], 'offered in the field\'s datalist')
    await id.fill('456')
    t.equal(await page.locator('.uri-preview').textContent(), 'test://template/456/data', 'the URI is expanded as typed')
    await id.press('Enter')
    const contents = page.getByRole('region', { name: 'Resource contents' })
    await contents.waitFor()
    t.match(await contents.textContent(), /Data for ID: 456/, 'the resource read through the filled template')
    await screenshot(t, page, 'template-completion')
    noPageErrors(t, page)
  })

  t.test('a binary resource is shown as an image; a text one as text', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^static-binary\b/ }).click()
    await page.getByRole('button', { name: 'Read static-binary' }).click()
    const contents = page.getByRole('region', { name: 'Resource contents' })
    t.equal(await contents.getByRole('img').evaluate((node) => (node as any).naturalWidth), 1, 'the PNG blob is decoded')
    await page.getByRole('button', { name: /^static-text\b/ }).click()
    await page.getByRole('button', { name: 'Read static-text' }).click()
    t.match(await page.getByRole('region', { name: 'Resource contents' }).textContent(), /This is the content of the static text resource\./)
    noPageErrors(t, page)
  })

  t.test('a prompt rendered with its arguments (completion offered), and one that asks for input first', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^test_prompt_with_arguments\b/ }).click()
    await page.getByLabel(/^arg1/).pressSequentially('par')
    await page.locator('.hint', { hasText: /^Suggestions: paris, park, party$/ }).waitFor()
    t.pass('argument completion')
    await page.getByLabel(/^arg1/).fill('paris')
    await page.getByLabel(/^arg2/).fill('two')
    await page.getByRole('button', { name: 'Get test_prompt_with_arguments' }).click()
    const messages = page.getByRole('region', { name: 'Prompt messages' })
    t.match(await messages.textContent(), /user.*Prompt with arguments: arg1='paris', arg2='two'/s, 'the message with its role')

    await page.getByRole('button', { name: /^test_input_required_result_prompt\b/ }).click()
    await page.getByRole('button', { name: 'Get test_input_required_result_prompt' }).click()
    const ask = page.getByRole('form', { name: 'Input requested: user_context' })
    await ask.getByLabel(/^context/).fill('the explorer')
    await ask.getByRole('button', { name: 'Accept' }).click()
    t.match(await page.getByRole('region', { name: 'Prompt messages' }).textContent(), /Use this context: the explorer/, 'the elicited answer reached the prompt')
    noPageErrors(t, page)
  })

  t.test('declining an elicitation, and a sampling request answered by hand', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^test_input_required_result_multiple_inputs\b/ }).click()
    await page.getByRole('button', { name: 'Call test_input_required_result_multiple_inputs' }).click()
    await page.getByRole('form', { name: 'Input requested: user_name' }).getByLabel(/^name/).fill('Grace')
    await page.getByRole('form', { name: 'Input requested: user_name' }).getByRole('button', { name: 'Accept' }).click()
    const sampling = page.getByRole('form', { name: 'Input requested: greeting' })
    t.match(await sampling.textContent(), /Generate a greeting/, 'the messages for the model are shown')
    await sampling.getByLabel(/^greeting/).fill('Hi there')
    await sampling.getByRole('button', { name: 'Send reply' }).click()
    const result = page.getByRole('region', { name: 'Tool result' })
    t.match(await result.textContent(), /name=Grace, greeting=Hi there, roots=0/, 'every input request of the round answered (roots: none)')
    noPageErrors(t, page)
  })

  t.test('behind auth: refused without a token, lists paged with one', async (t) => {
    const resource = `${RESOURCE_ORIGIN}/mcp`
    const tools: FastifyPluginAsync = async (app) => {
      for (const name of ['alpha', 'beta', 'gamma']) app.mcp.tool({ name, description: `Tool ${name}`, handler: () => name })
    }
    const guarded = await startTestServer(t, { jwtSecret: SECRET, publicUrl: resource, auth: { issuer: ISSUER }, limits: { pageSize: 2 }, plugins: [{ plugin: tools }] })
    const page = await openPage(t, browser, `http://127.0.0.1:${guarded.port}/explorer/`)
    const info = page.locator('#server-info')
    await info.filter({ hasText: 'Refused (HTTP 401)' }).waitFor()
    t.equal(await page.locator('#tools button').count(), 0, 'nothing is listed without a token')
    t.ok(await page.getByLabel(/^token/).evaluate((node: any) => node === node.ownerDocument.activeElement), 'the token field has the focus')
    await screenshot(t, page, 'auth-refused')

    await page.getByLabel(/^token/).fill('not-a-token')
    await page.getByLabel(/^token/).press('Enter')
    await info.filter({ hasText: 'Refused (HTTP 401)' }).waitFor()
    t.equal(await page.locator('#tools button').count(), 0, 'a wrong token is refused too')

    await page.getByLabel(/^token/).fill(hs256(claims(resource)))
    await page.getByRole('button', { name: 'Connect with this token' }).click()
    await page.getByRole('button', { name: /^alpha\b/ }).waitFor()
    t.same(await page.locator('#tools li > button:not(.small)').allTextContents(), ['alpha', 'beta'], 'the first page of tools')
    await page.getByRole('button', { name: 'More tools' }).click()
    await page.getByRole('button', { name: /^gamma\b/ }).waitFor()
    t.same(await page.locator('#tools li > button').allTextContents(), ['alpha', 'beta', 'gamma'], 'the next page appended, no more button')
    await page.getByRole('button', { name: /^gamma\b/ }).click()
    await page.getByRole('button', { name: 'Call gamma' }).click()
    t.match(await page.getByRole('region', { name: 'Tool result' }).textContent(), /gamma/, 'calls carry the token')
    await page.locator('#health', { hasText: 'in flight' }).waitFor()
    t.pass('with the token, /health shows its detail')
    noPageErrors(t, page)
  })
}
