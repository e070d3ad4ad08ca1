/**
 * Several tabs of one browser profile share one replica (one local database): in SharedWorker mode
 * and in the forced dedicated-Worker fallback (?worker=dedicated), where each tab runs a runtime
 * and one leader holds the socket. A write in one tab shows in the others at once, also offline;
 * when the leader tab closes, another tab's runtime takes the sync over.
 */
import { expect, test } from '../support/fixtures.js'
import type { Device } from '../support/device.js'

/** "At once": another tab must show a local write well before any network round trip could matter. */
const AT_ONCE = { timeout: 2_000 }

async function addCard(device: Device, title: string): Promise<void> {
  await device.page.getByTestId('new-card-title').fill(title)
  await device.page.getByTestId('new-card-title').press('Enter')
}


for (const mode of ['shared', 'dedicated'] as const) {
  test.describe(`two tabs, one replica (${mode === 'shared' ? 'SharedWorker' : 'dedicated Worker fallback'})`, () => {
    test('a write in one tab shows in the other at once, online and offline', async ({ devices, hub }) => {
      const link = await hub.openLink()
      const tab1 = await devices.open({ name: 'A', worker: mode, hubUrl: link.url })
      const tab2 = await devices.openTab(tab1)
      expect(await tab2.replicaId()).toBe(await tab1.replicaId())
      await expect(tab2.page.getByTestId('worker-mode')).toHaveText(mode === 'shared' ? 'SharedWorker' : 'dedicated Worker')
      await tab1.expectConnection('online')

      await addCard(tab1, 'Written in tab 1')
      await expect(tab2.page.getByTestId('card-title')).toHaveValue('Written in tab 1', AT_ONCE)
      await tab1.expectPending(0)

      // Offline at the hub side: the link is cut, so nothing reaches the hub, whatever hosts the socket.
      link.cut()
      await expect.poll(async () => (await tab1.status()).connection).not.toBe('online')
      await tab2.page.getByTestId('card-vote').click()
      await expect(tab1.page.getByTestId('card-votes')).toHaveText('1', AT_ONCE)
      await addCard(tab1, 'Written offline in tab 1')
      await expect(tab2.page.getByTestId('card-title').nth(1)).toHaveValue('Written offline in tab 1', AT_ONCE)
      await tab1.expectPending(2)
      await tab2.expectPending(2)

      link.restore()
      await tab1.expectPending(0, 20_000)
      await tab2.expectPending(0)
      await tab1.expectConnection('online')
    })

    test('the first tab closes with offline writes pending; the other tab syncs them and keeps syncing', async ({ devices, hub }) => {
      const link = await hub.openLink()
      const tab1 = await devices.open({ name: 'A', worker: mode, hubUrl: link.url })
      const tab2 = await devices.openTab(tab1)
      const other = await devices.open({ name: 'B', worker: mode })
      await tab1.expectConnection('online')

      link.cut()
      await expect.poll(async () => (await tab1.status()).connection).not.toBe('online')
      await addCard(tab1, 'Pending when tab 1 closed')
      await tab2.expectPending(1)
      // In the dedicated fallback tab 1 opened first and so holds the leadership (the socket).
      await tab1.page.close()

      link.restore()
      await expect(other.page.getByTestId('card-title')).toHaveValue('Pending when tab 1 closed', { timeout: 20_000 })
      await tab2.expectPending(0)
      await tab2.page.getByTestId('card-vote').click()
      await expect(other.page.getByTestId('card-votes')).toHaveText('1')
      await other.page.getByTestId('card-vote').click()
      await expect(tab2.page.getByTestId('card-votes')).toHaveText('2')
    })
  })
}
