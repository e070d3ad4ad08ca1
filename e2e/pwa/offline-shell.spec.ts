/**
 * The demo as a PWA, offline: once loaded online, the app opens again with no network at all, its
 * shell from the service worker's precache and its records from IndexedDB, takes edits, and syncs
 * them when the network is back. "No network" here is the whole of it: `context.setOffline` (the
 * pages, and the dedicated worker's socket), the app's own origin down (so nothing can come from
 * it), and, for a SharedWorker, which `setOffline` does not reach, the hub-side link cut.
 */
import { Device, expectConverged, settle } from '../support/device.js'
import { SAMPLE, cardEl, conflictCell, conflictEntries, edit, loadSample, withField } from '../support/board.js'
import { cachedUrls, expect, expectOfflineReady, test } from '../support/pwa.js'

test('reloaded offline, the app opens from the service worker with its records, takes edits and syncs them when back online (dedicated Worker)', async ({ devices, hub, origin }) => {
  const a = await devices.open({ name: 'A', worker: 'dedicated', demoUrl: origin.url })
  const b = await devices.open({ name: 'B', worker: 'dedicated' })
  // Any request of the hub's that went through the service worker (it must pass it by).
  const hubThroughWorker: string[] = []
  a.context.on('request', (request) => {
    if (request.serviceWorker() && new URL(request.url()).origin === hub.url) hubThroughWorker.push(request.url())
  })
  await loadSample(a, b)
  await expectOfflineReady(a)
  await a.flush()
  await expect(a.page.getByTestId('last-synced')).toHaveText(/^last synced /)

  await a.context.setOffline(true)
  origin.setDown(true)
  await a.expectConnection('offline')
  await expect(a.page.getByTestId('network')).toBeVisible()

  const served = origin.served.length
  const response = await a.page.reload()
  await a.waitReady()
  expect(response?.fromServiceWorker(), 'the page came from the service worker').toBe(true)
  expect(origin.served.length, 'nothing came from the app origin').toBe(served)
  await expect(a.page.getByTestId('card')).toHaveCount(3)
  await expect(cardEl(a, SAMPLE.card).getByTestId('card-votes')).toHaveText('2')
  // It says where it stands: no network, not connected, nothing pending, when it last synced.
  await expect(a.page.getByTestId('network')).toHaveText('no network')
  await expect(a.page.getByTestId('connection')).toHaveText('offline')
  await expect(a.page.getByTestId('last-synced')).toHaveText(/^last synced /)
  await a.expectPending(0)
  // The hub is not answered from any cache.
  const health = await a.page.evaluate((url) => fetch(`${url}/healthz`).then(() => 'answered', () => 'failed'), hub.url)
  expect(health).toBe('failed')

  // B (online) retitles the card; A, offline and later, retitles it too and votes.
  await edit(cardEl(b, SAMPLE.card).getByTestId('card-title'), 'Onboarding (B, online)')
  await b.expectPending(0)
  await edit(cardEl(a, SAMPLE.card).getByTestId('card-title'), 'Onboarding (A, offline)')
  await cardEl(a, SAMPLE.card).getByTestId('card-vote').click()
  await a.expectPending(2)
  await expect(cardEl(a, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')

  // The network comes back (the app's origin stays down: syncing needs only the hub).
  await a.context.setOffline(false)
  await expect(a.page.getByTestId('network')).toBeHidden()
  await a.expectPending(0, 20_000)
  await expect(cardEl(b, SAMPLE.card).getByTestId('card-title')).toHaveValue('Onboarding (A, offline)', { timeout: 20_000 })
  await expect(cardEl(b, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
  await settle([a, b])
  const converged = await expectConverged([a, b])
  expect(converged.cards.find((c) => c.id === SAMPLE.card)).toMatchObject({ title: 'Onboarding (A, offline)', votes: 3 })
  // fieldMerge: the later title (A's) wins; both conflict logs say so.
  for (const device of [a, b]) {
    const entry = withField(conflictEntries(device, 'cards', SAMPLE.card, '[data-policy="fieldMerge"]'), 'title')
    await expect(entry).toHaveCount(1)
    await expect(conflictCell(entry, 'title', 'base')).toHaveText('“Write the onboarding guide”')
    await expect(conflictCell(entry, 'title', 'local')).toHaveText('“Onboarding (A, offline)”')
    await expect(conflictCell(entry, 'title', 'remote')).toHaveText('“Onboarding (B, online)”')
    await expect(conflictCell(entry, 'title', 'result')).toHaveText('“Onboarding (A, offline)”')
    await expect(entry).toHaveAttribute('data-rejected', 'false')
  }

  // What the service worker holds: the app shell of its own origin, nothing of the hub's.
  const cached = await cachedUrls(a.page)
  expect(cached.length).toBeGreaterThan(0)
  expect(cached.filter((url) => new URL(url).origin !== origin.url)).toEqual([])
  expect(cached.filter((url) => /socket\.io|healthz/.test(url))).toEqual([])
  for (const file of ['/index.html', '/lab.html', '/manifest.webmanifest']) expect(cached.map((url) => new URL(url).pathname)).toContain(file)
  expect(cached.some((url) => /\/assets\/accord\.worker-[\w-]+\.js/.test(url)), 'the replica worker bundle is precached').toBe(true)
  expect(hubThroughWorker).toEqual([])
})

test('every tab closed offline with pending edits; opened again offline; the edits sync once online (SharedWorker)', async ({ devices, hub, origin }) => {
  const link = await hub.openLink()
  const a = await devices.open({ name: 'A', hubUrl: link.url, demoUrl: origin.url })
  const a2 = await devices.openTab(a)
  const b = await devices.open({ name: 'B' })
  await loadSample(a, b)
  await expectOfflineReady(a)
  await a.expectConnection('online')

  await a.context.setOffline(true)
  link.cut()
  origin.setDown(true)
  await expect(a.page.getByTestId('network')).toBeVisible()
  await a.expectConnection('offline')
  await a.page.getByTestId('new-card-title').fill('Written offline, every tab then closed')
  await a.page.getByTestId('new-card-title').press('Enter')
  await cardEl(a2, SAMPLE.card).getByTestId('card-vote').click()
  await a.expectPending(2)
  await a2.expectPending(2)

  // Every page of the profile goes, and with them the SharedWorker.
  await a.page.close()
  await a2.page.close()
  expect(a.context.pages()).toHaveLength(0)

  const served = origin.served.length
  const reopened = await new Device(await a.context.newPage(), a.context, a.options).load()
  expect(origin.served.length, 'nothing came from the app origin').toBe(served)
  await expect(reopened.page.getByTestId('card')).toHaveCount(4)
  await expect(cardEl(reopened, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
  await reopened.expectPending(2)
  await expect(reopened.page.getByTestId('network')).toHaveText('no network')
  await expect(reopened.page.getByTestId('last-synced')).toHaveText(/^last synced /)
  await expect(b.page.getByTestId('card')).toHaveCount(3)

  await a.context.setOffline(false)
  link.restore()
  await reopened.expectPending(0, 20_000)
  await expect(b.page.getByTestId('card')).toHaveCount(4, { timeout: 20_000 })
  await expect(cardEl(b, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
  await settle([reopened, b])
  await expectConverged([reopened, b])
})
