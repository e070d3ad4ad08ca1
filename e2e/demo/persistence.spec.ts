/**
 * Offline writes are durable: a tab reloaded, or closed and opened again, with writes the hub has
 * not seen still shows them, still counts them as pending, and syncs them once the hub is
 * reachable. The hub is cut off at its side (a TCP link), so the page itself still loads.
 */
import { expect, test } from '../support/fixtures.js'
import { Device, expectConverged, settle } from '../support/device.js'
import { SAMPLE, cardEl, edit, loadSample } from '../support/board.js'

for (const mode of ['shared', 'dedicated'] as const) {
  const label = mode === 'shared' ? 'SharedWorker' : 'dedicated Worker'

  test(`a tab reloaded with pending offline writes keeps them and syncs them (${label})`, async ({ devices, hub }) => {
    const link = await hub.openLink()
    const a = await devices.open({ name: 'A', worker: mode, hubUrl: link.url })
    const b = await devices.open({ name: 'B', worker: mode })
    await loadSample(a, b)

    link.cut()
    await edit(cardEl(a, SAMPLE.card).getByTestId('card-title'), 'Edited offline, then reloaded')
    await cardEl(a, SAMPLE.card).getByTestId('card-vote').click()
    await a.expectPending(2)
    await a.reload()
    await expect(cardEl(a, SAMPLE.card).getByTestId('card-title')).toHaveValue('Edited offline, then reloaded')
    await expect(cardEl(a, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
    await a.expectPending(2)
    await expect(cardEl(b, SAMPLE.card).getByTestId('card-votes')).toHaveText('2')

    link.restore()
    await expect(cardEl(b, SAMPLE.card).getByTestId('card-title')).toHaveValue('Edited offline, then reloaded', { timeout: 20_000 })
    await expect(cardEl(b, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
    await a.expectPending(0)
    await settle([a, b])
    await expectConverged([a, b])
  })

  test(`a tab closed with pending offline writes and opened again syncs them (${label})`, async ({ devices, hub }) => {
    const link = await hub.openLink()
    const a = await devices.open({ name: 'A', worker: mode, hubUrl: link.url })
    const b = await devices.open({ name: 'B', worker: mode })
    await loadSample(a, b)

    link.cut()
    await a.page.getByTestId('new-card-title').fill('Written offline before closing')
    await a.page.getByTestId('new-card-title').press('Enter')
    await cardEl(a, SAMPLE.card).getByTestId('card-vote').click()
    await a.expectPending(2)
    await a.page.close()

    // The context (the browser profile) stays; its only tab is gone, and with it the runtime.
    const reopened = await new Device(await a.context.newPage(), a.context, a.options).load()
    await expect(reopened.page.getByTestId('card')).toHaveCount(4)
    await reopened.expectPending(2)
    await expect(b.page.getByTestId('card')).toHaveCount(3)

    link.restore()
    await expect(b.page.getByTestId('card')).toHaveCount(4, { timeout: 20_000 })
    await expect(cardEl(b, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
    await reopened.expectPending(0)
    await settle([reopened, b])
    await expectConverged([reopened, b])
  })
}

test('the app opens and takes writes while the hub is down, and syncs them once it is up', async ({ devices, hub }) => {
  await hub.stop()
  const a = await devices.open({ name: 'A' })
  await expect(a.page.getByTestId('connection')).not.toHaveText('online')
  await a.page.getByTestId('load-sample').click()
  await expect(a.page.getByTestId('card')).toHaveCount(3)
  await a.expectPending(7)
  await hub.start()
  await a.expectPending(0, 20_000)
  const b = await devices.open({ name: 'B' })
  await b.flush()
  await expectConverged([a, b])
})
