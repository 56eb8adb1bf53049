/**
 * The explorer page in a real browser against the real server: it discovers
 * the server, lists what it offers, and runs tools through forms generated
 * from their schemas, over POST /mcp as a 2026-07-28 client.
 */
import t from 'tap'
import calculator from '@mcp-platform/calculator'
import db from '@mcp-platform/db'
import type { FastifyPluginAsync } from 'fastify'
import { deferred, startTestServer, until } from '@mcp-platform/server/testing'
import conformance from '../fixtures/conformance/index.ts'
import slowTool from '../fixtures/slow-tool/index.ts'
import { launchBrowser, noPageErrors, openPage, screenshot } from './browser.ts'

/** A tool that reports progress and a log line, then waits for the test: what the page shows while a call runs. */
let gate = deferred()
const stepper: FastifyPluginAsync = async (app) => {
  app.mcp.tool({
    name: 'steps',
    description: 'Reports step 1 of 3, then waits',
    async handler (_args, ctx) {
      ctx.progress(1, 3, 'step 1 of 3')
      ctx.log('info', 'step 1 done, waiting')
      await gate.promise
      return 'all steps done'
    }
  })
}

const browser = await launchBrowser(t)
if (browser !== undefined) {
  const server = await startTestServer(t, {
    plugins: [{ plugin: calculator }, { plugin: db }, { plugin: conformance }, { plugin: slowTool }, { plugin: stepper }]
  })
  const explorerUrl = `http://127.0.0.1:${server.port}/explorer/`

  t.test('calculate through the generated form: 2*(3+4)^2 is 98, structured content checked against outputSchema', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^calculate\b/ }).click()
    const expression = page.getByLabel(/^expression/)
    t.match(await expression.evaluate((node) => node.closest('.field')?.querySelector('label')?.textContent), /^expression \(required\)/, 'the label starts with the property name')
    await expression.fill('2*(3+4)^2')
    await page.getByRole('button', { name: 'Call calculate' }).click()
    const result = page.getByRole('region', { name: 'Tool result' })
    await result.waitFor()
    t.equal((await result.locator('pre.text').first().textContent())?.trim(), '98', 'the text content is 98')
    t.match(await result.locator('.structured-json').textContent(), /"result": 98/, 'the structured content is { result: 98 }')
    t.match(await result.locator('.valid').textContent(), /Matches the tool's outputSchema/, 'checked against the outputSchema')
    // The header's live figures come from /metrics, refreshed after each call.
    const row = page.getByRole('table', { name: 'Tool calls (from /metrics)' }).locator('tr', { hasText: 'calculate' })
    await row.waitFor()
    t.match(await row.textContent(), /calculate\s*\d+\s*\d+\s*[\d.]+ ms/, 'calls, errors and mean latency for calculate')
    t.match(await page.locator('#health').textContent(), /Health: ok · up \d+ s/, 'the health line')
    await screenshot(t, page, 'calculate-98')
    noPageErrors(t, page)
  })

  t.test('a tool error is shown as an error', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^calculate\b/ }).click()
    await page.getByLabel(/^expression/).fill('1/0')
    // Keyboard only: Enter in the field runs the call.
    await page.getByLabel(/^expression/).press('Enter')
    const error = page.getByRole('alert').filter({ hasText: 'Tool error' })
    await error.waitFor()
    t.match(await error.textContent(), /zero/i, 'the tool\'s message is shown')
    t.equal(await page.getByRole('region', { name: 'Tool result' }).count(), 0, 'not shown as a result')
    await screenshot(t, page, 'tool-error')
    noPageErrors(t, page)
  })

  t.test('db_query shows the rows as a table', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^db_query\b/ }).click()
    await page.getByLabel(/^sql/).fill('select id, name from customers order by id limit 3')
    await page.getByRole('button', { name: 'Call db_query' }).click()
    const table = page.getByRole('region', { name: 'Tool result' }).getByRole('table')
    await table.waitFor()
    t.same(await table.locator('th').allTextContents(), ['id', 'name'], 'the columns are the table\'s header')
    t.equal(await table.locator('tbody tr').count(), 3, 'one row per result row')
    t.equal(await table.locator('tbody tr').first().locator('td').first().textContent(), '1', 'cells hold the values')
    await screenshot(t, page, 'db-query-table')
    noPageErrors(t, page)
  })

  t.test('an elicitation (multi round-trip) is answered in a form', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^test_input_required_result_multi_round\b/ }).click()
    await page.getByRole('button', { name: 'Call test_input_required_result_multi_round' }).click()
    const step1 = page.getByRole('form', { name: 'Input requested: step1' })
    await step1.waitFor()
    t.match(await step1.textContent(), /What is your name\?/, 'the server\'s message is shown')
    await screenshot(t, page, 'elicitation')
    await step1.getByLabel(/^name/).fill('Ada')
    await step1.getByRole('button', { name: 'Accept' }).click()
    const step2 = page.getByRole('form', { name: 'Input requested: step2' })
    await step2.getByLabel(/^color/).fill('green')
    await step2.getByLabel(/^color/).press('Enter')
    const result = page.getByRole('region', { name: 'Tool result' })
    await result.waitFor()
    t.equal((await result.locator('pre.text').first().textContent())?.trim(), 'Ada likes green', 'both answers reached the tool, over two rounds')
    noPageErrors(t, page)
  })

  t.test('progress and log messages while a call runs', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    gate = deferred()
    await page.getByRole('button', { name: /^steps\b/ }).click()
    await page.getByRole('button', { name: 'Call steps' }).click()
    await page.locator('.activity [role=status]', { hasText: 'steps: step 1 of 3' }).waitFor()
    const bar = page.getByRole('progressbar', { name: 'steps: progress' })
    t.same(await bar.evaluate((node: any) => [node.value, node.max]), [1, 3], 'the progress bar at 1 of 3, while the call still runs')
    t.match(await page.getByRole('log', { name: 'Log messages' }).textContent(), /info\s*step 1 done, waiting/, 'the log line arrived while it runs')
    t.ok(await page.getByRole('button', { name: 'Cancel' }).isEnabled(), 'Cancel is offered while it runs')
    await screenshot(t, page, 'progress')
    gate.resolve()
    await page.getByRole('region', { name: 'Tool result' }).waitFor()
    t.equal(await bar.count(), 0, 'the bar goes when the call ends')

    await page.getByRole('button', { name: /^test_tool_with_logging\b/ }).click()
    await page.getByRole('button', { name: 'Call test_tool_with_logging' }).click()
    await page.getByRole('region', { name: 'Tool result' }).waitFor()
    t.ok(await page.getByRole('log', { name: 'Log messages' }).locator('li').count() >= 1, 'log notifications are listed')
    await page.getByRole('button', { name: /^test_tool_with_progress\b/ }).click()
    await page.getByRole('button', { name: 'Call test_tool_with_progress' }).click()
    await page.getByRole('region', { name: 'Tool result' }).waitFor()
    t.match(await page.locator('.activity [role=status]').textContent(), /done in/, 'the status says it finished')
    noPageErrors(t, page)
  })

  t.test('cancel a slow call', async (t) => {
    const page = await openPage(t, browser, explorerUrl)
    await page.getByRole('button', { name: /^sleep\b/ }).click()
    await page.getByLabel(/^ms/).fill('60000')
    await page.getByRole('button', { name: 'Call sleep' }).click()
    await page.getByText('sleep: running…').waitFor()
    // The call is in flight on the server before it is cancelled.
    await until(() => server.app.mcpCore.calls.size > 0)
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByText(/Cancelled: sleep was stopped/).waitFor()
    await until(() => server.app.mcpCore.calls.size === 0)
    t.pass('the server stopped the call when the page closed its stream')
    await screenshot(t, page, 'cancelled')
    noPageErrors(t, page)
  })
}
