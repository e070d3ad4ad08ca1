/**
 * A new build deployed while the app is open, with edits the hub has not seen yet. The open tabs
 * are told (a banner with Reload) and keep running the build they loaded until someone presses
 * Reload; then every tab reloads into the new build, and the local records and the pending edits
 * are all still there, and sync once the hub is reachable. The new build has a new worker bundle
 * (a new SharedWorker script URL), so the old build's SharedWorker hands the replica over to the
 * new one as its tabs reload.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Device } from '../support/device.js'
import { expectConverged, settle } from '../support/device.js'
import { SAMPLE, cardEl, edit, loadSample } from '../support/board.js'
import { NEXT_BUILD, buildOf, expect, expectOfflineReady, test } from '../support/pwa.js'

const workerBundle = (dir: string): string | undefined => readdirSync(join(dir, 'assets')).find((file) => file.startsWith('accord.worker-'))

test('a new build deployed: the open tabs are told; Reload brings every tab to it with local data and pending edits intact (SharedWorker)', async ({ devices, hub, origin, nextBuild }) => {
  expect(workerBundle(nextBuild), 'the new build has a worker bundle of its own').not.toBe(workerBundle(process.env['E2E_DEMO_DIR']!))
  const link = await hub.openLink()
  const a = await devices.open({ name: 'A', hubUrl: link.url, demoUrl: origin.url })
  const b = await devices.open({ name: 'B' })
  await loadSample(a, b)
  await expectOfflineReady(a)
  // The second tab opens once the service worker controls the first: a tab whose navigation
  // races the worker's activation is not claimed, and stays uncontrolled until it reloads.
  const a2 = await devices.openTab(a)
  await expectOfflineReady(a2)
  const oldBuild = await buildOf(a)
  expect(oldBuild).not.toBe(NEXT_BUILD)

  // Edits the hub has not seen: A's hub link is cut.
  link.cut()
  await expect.poll(async () => (await a.status()).connection).not.toBe('online')
  await edit(cardEl(a, SAMPLE.card).getByTestId('card-title'), 'Edited before the update')
  await cardEl(a2, SAMPLE.card).getByTestId('card-vote').click()
  await a.expectPending(2)

  // The deploy. The pages look for a new build when the network comes back (and when they become
  // visible, and every 30 minutes): the device's network blinks.
  origin.deploy(nextBuild)
  await a.context.setOffline(true)
  await a.context.setOffline(false)
  for (const tab of [a, a2]) {
    await expect(tab.page.getByTestId('update-banner')).toBeVisible()
    await expect(tab.page.getByTestId('update-banner')).toContainText('A new version of the app is ready')
    // Told, not switched: the tab still runs the build it loaded, with its data.
    expect(await buildOf(tab)).toBe(oldBuild)
    await expect(cardEl(tab, SAMPLE.card).getByTestId('card-title')).toHaveValue('Edited before the update')
  }

  // Reload in one tab: every tab reloads into the new build.
  const reloads = [a, a2].map((tab) => navigation(tab))
  await a.page.getByTestId('update-reload').click()
  await Promise.all(reloads)
  for (const tab of [a, a2]) {
    await tab.waitReady()
    expect(await buildOf(tab)).toBe(NEXT_BUILD)
    await expect(tab.page.getByTestId('update-banner')).toBeHidden()
    await expect(tab.page.getByTestId('card')).toHaveCount(3)
    await expect(cardEl(tab, SAMPLE.card).getByTestId('card-title')).toHaveValue('Edited before the update')
    await expect(cardEl(tab, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
    await tab.expectPending(2)
  }
  await expect(cardEl(b, SAMPLE.card).getByTestId('card-votes')).toHaveText('2')

  // The hub is reachable again: the new build's runtime sends what the old one wrote.
  link.restore()
  await a.expectPending(0, 20_000)
  await expect(cardEl(b, SAMPLE.card).getByTestId('card-title')).toHaveValue('Edited before the update', { timeout: 20_000 })
  await expect(cardEl(b, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
  await settle([a, b])
  await expectConverged([a, a2, b])
})

/** Resolves when the tab's page has navigated (a reload commits a new document). */
function navigation(tab: Device): Promise<unknown> {
  return tab.page.waitForEvent('framenavigated', { predicate: (frame) => frame === tab.page.mainFrame(), timeout: 20_000 })
}
