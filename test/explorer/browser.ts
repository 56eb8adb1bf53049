/**
 * One headless Chromium per test file (Debian's `chromium`, which .ci/run
 * installs), driven by playwright-core: no downloaded browser, no background
 * networking. Under CI=true a missing chromium fails the file; locally it is
 * skipped loudly (test/helpers/binaries.ts). Screenshots go to a git-ignored
 * folder the test prints.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Test } from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { findBinary, missingBinary } from '../helpers/binaries.ts'

/** Where screenshots are kept (git-ignored): test/explorer/artifacts/, or EXPLORER_ARTIFACTS. */
export const ARTIFACTS = resolve(process.env.EXPLORER_ARTIFACTS ?? join(import.meta.dirname, 'artifacts'))

const ARGS = [
  // Tests run as root in containers, where Chromium's sandbox cannot start.
  '--no-sandbox',
  // Nothing but the page under test goes on the network.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-sync',
  '--disable-extensions',
  '--no-first-run',
  '--no-default-browser-check',
  '--metrics-recording-only',
  '--disable-dev-shm-usage'
]

/** The browser for this file (closed at teardown), or undefined when chromium is missing outside CI. */
export async function launchBrowser (t: Test): Promise<Browser | undefined> {
  const executablePath = findBinary('chromium', process.env.CHROMIUM_PATH)
  if (executablePath === undefined) {
    missingBinary(t, 'explorer browser', 'chromium not found (apt-get install chromium, or set CHROMIUM_PATH)')
    return undefined
  }
  const browser = await chromium.launch({ executablePath, headless: true, args: ARGS, timeout: 60_000 })
  t.teardown(async () => { await browser.close() })
  return browser
}

/** A fresh page (its own context) whose console errors and failed page loads fail the test. */
export async function openPage (t: Test, browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  t.teardown(async () => { await context.close() })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  pageErrors.set(page, errors)
  await page.goto(url)
  return page
}

const pageErrors = new WeakMap<Page, string[]>()

/** Asserts the page threw nothing uncaught so far (call it at the end of a test). */
export function noPageErrors (t: Test, page: Page): void {
  t.same(pageErrors.get(page), [], 'no uncaught errors in the page')
}

let printed = false

/** Saves a full-page screenshot as an artifact; returns its path. */
export async function screenshot (t: Test, page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  if (!printed) {
    printed = true
    t.comment(`explorer screenshots: ${ARTIFACTS}`)
  }
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
