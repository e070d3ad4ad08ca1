/**
 * Regenerates the README's pictures of the demo (docs/screenshots/*.png) on the lab page:
 *   E2E_SCREENSHOTS=1 pnpm exec playwright test -c e2e/playwright.config.ts --project screenshots
 * Two devices diverge (B offline by its switch, both edit), then reconcile; and a manual()
 * conflict waits for a person; and the app alone in a tab. Then the PWA: the app reopened with no
 * network at all (from its service worker) holding pending edits, and a new build ready.
 */
import { fileURLToPath } from 'node:url'
import { expect, expectOfflineReady, test } from './support/pwa.js'
import { SAMPLE, cardEl, edit as editField, loadSample } from './support/board.js'
import type { FrameLocator, Page } from '@playwright/test'

const out = (name: string) => fileURLToPath(new URL(`../docs/screenshots/${name}`, import.meta.url))

async function edit(frame: FrameLocator, selector: string, value: string): Promise<void> {
  const field = frame.locator(selector)
  await field.fill(value)
  await field.blur()
}

const inRecord = (testid: string, id: string, field: string) => `[data-testid="${testid}"][data-id="${id}"] [data-testid="${field}"]`

async function openLab(page: Page, url: string): Promise<{ a: FrameLocator; b: FrameLocator }> {
  await page.goto(url)
  await expect(page.getByTestId('agreement')).toHaveText('all devices agree', { timeout: 30_000 })
  await page.getByTestId('lab-seed').click()
  const a = page.frameLocator('[data-testid="device-frame-A"]')
  const b = page.frameLocator('[data-testid="device-frame-B"]')
  await expect(b.getByTestId('card')).toHaveCount(3, { timeout: 20_000 })
  await expect(page.getByTestId('agreement')).toHaveText('all devices agree')
  return { a, b }
}

test('README screenshots: divergence, reconciliation, a manual conflict', async ({ devices, hub, demoUrl }) => {
  const context = await devices.newContext()
  const page = await context.newPage()
  await page.setViewportSize({ width: 1500, height: 1000 })
  const { a, b } = await openLab(page, `${demoUrl}/lab.html?${new URLSearchParams({ hub: hub.url, space: hub.space, devices: 'A,B' })}`)

  await b.getByTestId('online-switch-label').click()
  await expect(b.getByTestId('connection')).toHaveText('offline (switch)')
  await edit(a, inRecord('card', SAMPLE.card, 'card-title'), 'Onboarding guide v2')
  await a.locator(inRecord('card', SAMPLE.card, 'card-vote')).click()
  await edit(b, inRecord('card', SAMPLE.card, 'card-title'), 'Onboarding for new hires')
  await b.locator(inRecord('card', SAMPLE.card, 'card-vote')).click()
  await b.locator(inRecord('card', SAMPLE.card, 'card-tag-input')).fill('urgent')
  await b.locator(inRecord('card', SAMPLE.card, 'card-tag-input')).press('Enter')
  await edit(a, inRecord('invoice', SAMPLE.invoice, 'invoice-amount'), '1300')
  await b.locator(inRecord('invoice', SAMPLE.invoice, 'invoice-late-fee')).click()
  await expect(page.getByTestId('agreement')).toHaveAttribute('data-state', 'diverged')
  await expect(b.getByTestId('pending')).toHaveText('5 pending')
  await page.screenshot({ path: out('divergence.png') })

  await b.getByTestId('online-switch-label').click()
  await expect(page.getByTestId('agreement')).toHaveText('all devices agree', { timeout: 20_000 })
  await expect(b.locator('[data-testid="conflict"][data-rejected="true"]')).toHaveCount(1)
  await expect(a.locator('[data-testid="conflict"]')).toHaveCount(2)
  await page.screenshot({ path: out('reconciliation.png') })

  // A manual() conflict: both edit the goal while B is offline.
  await b.getByTestId('online-switch-label').click()
  await expect(b.getByTestId('connection')).toHaveText('offline (switch)')
  await edit(a, inRecord('goal', SAMPLE.goal, 'goal-text'), 'Launch the offline beta in May')
  await edit(b, inRecord('goal', SAMPLE.goal, 'goal-text'), 'Launch the offline beta to 50 users')
  await b.getByTestId('online-switch-label').click()
  await expect(b.locator('[data-testid="conflict"][data-open="true"]')).toHaveCount(1, { timeout: 20_000 })
  await expect(a.locator('[data-testid="conflict"][data-open="true"]')).toHaveCount(1)
  for (const frame of [a, b]) await frame.locator('[data-testid="conflict"][data-open="true"]').scrollIntoViewIfNeeded()
  await page.screenshot({ path: out('manual-conflict.png') })

  // The app alone in a tab: device A again (same browser profile, so the same replica as frame A).
  const alone = await context.newPage()
  await alone.setViewportSize({ width: 1400, height: 860 })
  await alone.goto(`${demoUrl}/index.html?${new URLSearchParams({ device: 'A', hub: hub.url, space: hub.space })}`)
  await expect(alone.locator('[data-testid="conflict"]')).toHaveCount(3)
  await alone.screenshot({ path: out('app.png') })
})

test('README screenshots: the app offline from its service worker, and a new version ready', async ({ devices, hub, origin, nextBuild }) => {
  const link = await hub.openLink()
  const a = await devices.open({ name: 'A', hubUrl: link.url, demoUrl: origin.url })
  await a.page.setViewportSize({ width: 1400, height: 860 })
  await loadSample(a)
  await expectOfflineReady(a)
  await a.flush()

  // No network at all: the device's (setOffline), the hub's side (the SharedWorker's socket), the app's origin.
  await a.context.setOffline(true)
  link.cut()
  origin.setDown(true)
  await a.page.reload()
  await a.waitReady()
  await editField(cardEl(a, SAMPLE.card).getByTestId('card-title'), 'Onboarding checklist (edited offline)')
  await cardEl(a, SAMPLE.card).getByTestId('card-vote').click()
  await a.expectPending(2)
  await expect(a.page.getByTestId('network')).toBeVisible()
  await expect(a.page.getByTestId('last-synced')).toHaveText(/^last synced /)
  await a.page.screenshot({ path: out('app-offline.png') })

  // Back online, and a new build deployed: the page says so and waits for Reload.
  origin.deploy(nextBuild)
  origin.setDown(false)
  link.restore()
  await a.context.setOffline(false)
  await a.expectPending(0, 20_000)
  await expect(a.page.getByTestId('update-banner')).toBeVisible()
  await a.page.screenshot({ path: out('update-ready.png') })
})
