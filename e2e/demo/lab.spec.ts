/**
 * The lab page (lab.html): devices side by side as frames of the app. Fields that differ between
 * devices are highlighted while they diverge, and the highlights go when the devices reconcile.
 */
import { expect, test } from '../support/fixtures.js'
import { SAMPLE } from '../support/board.js'

test('the lab highlights diverging fields and clears them once the devices reconcile', async ({ devices, hub, demoUrl }) => {
  const context = await devices.newContext()
  const page = await context.newPage()
  await page.goto(`${demoUrl}/lab.html?${new URLSearchParams({ hub: hub.url, space: hub.space, devices: 'A,B' })}`)
  const agreement = page.getByTestId('agreement')
  await expect(agreement).toHaveText('all devices agree', { timeout: 30_000 })
  const a = page.frameLocator('[data-testid="device-frame-A"]')
  const b = page.frameLocator('[data-testid="device-frame-B"]')

  await page.getByTestId('lab-seed').click()
  await expect(b.getByTestId('card')).toHaveCount(3, { timeout: 20_000 })
  await expect(agreement).toHaveText('all devices agree')

  await b.getByTestId('online-switch-label').click()
  await expect(b.getByTestId('connection')).toHaveText('offline (switch)')
  const titleA = a.locator(`[data-testid="card"][data-id="${SAMPLE.card}"] [data-testid="card-title"]`)
  const titleB = b.locator(`[data-testid="card"][data-id="${SAMPLE.card}"] [data-testid="card-title"]`)
  await titleA.fill('Onboarding guide, first draft')
  await titleA.blur()
  await titleB.fill('Onboarding guide for new hires')
  await titleB.blur()

  await expect(agreement).toHaveAttribute('data-state', 'diverged')
  await expect(agreement).toHaveText('1 difference in 1 record')
  await expect(titleA).toHaveClass(/diverged/)
  await expect(titleB).toHaveClass(/diverged/)
  await expect(b.getByTestId('pending')).toHaveText('1 pending')

  await b.getByTestId('online-switch-label').click()
  await expect(agreement).toHaveText('all devices agree', { timeout: 20_000 })
  await expect(titleA).toHaveValue('Onboarding guide for new hires')
  await expect(a.locator('.diverged')).toHaveCount(0)
  await expect(b.locator('.diverged')).toHaveCount(0)
  for (const frame of [a, b]) await expect(frame.locator(`[data-testid="conflict"][data-key="${SAMPLE.card}"][data-policy="fieldMerge"]`)).toHaveCount(1)
})
