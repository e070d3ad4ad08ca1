/**
 * A browser crash right after writes resolved loses none of them: the replica resolves a write
 * only once IndexedDB committed it with strict durability. The browser process of a persistent
 * profile is killed with SIGKILL (no shutdown, no flush), relaunched on the same profile, and the
 * writes are there, still pending, and sync once the hub is reachable.
 */
import { execFileSync } from 'node:child_process'
import { chromium, type BrowserContext } from '@playwright/test'
import { expect, test } from '../support/fixtures.js'
import { Device, expectConverged, settle } from '../support/device.js'
import { SAMPLE, cardEl, loadSample } from '../support/board.js'

/** Kills, with SIGKILL, every process of the browser running on `profile` and waits for the context to close. */
async function killBrowser(context: BrowserContext, profile: string): Promise<number> {
  const closed = new Promise<void>((resolve) => context.once('close', () => resolve()))
  const listing = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  const pids = listing
    .split('\n')
    .filter((line) => line.includes(`--user-data-dir=${profile}`))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid)
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone with its parent
    }
  }
  await closed
  return pids.length
}

test('writes that resolved survive the browser process being killed, and sync after relaunch', async ({ devices, hub, demoUrl }, testInfo) => {
  const launchOptions = testInfo.project.use.launchOptions ?? {}
  const profile = testInfo.outputPath('profile')
  const launch = (): Promise<BrowserContext> => chromium.launchPersistentContext(profile, { ...launchOptions, viewport: { width: 1280, height: 900 } })
  const link = await hub.openLink()
  const options = { name: 'A', worker: 'shared' as const, hubUrl: link.url, space: hub.space, demoUrl }

  let context = await launch()
  const a = await new Device(await context.newPage(), context, options).load()
  const b = await devices.open({ name: 'B' })
  await loadSample(a, b)

  link.cut()
  await a.page.getByTestId('new-card-title').fill('Written just before the crash')
  await a.page.getByTestId('new-card-title').press('Enter')
  await cardEl(a, SAMPLE.card).getByTestId('card-vote').click()
  await a.expectPending(2)

  expect(await killBrowser(context, profile)).toBeGreaterThan(0)

  context = await launch()
  try {
    const relaunched = await new Device(await context.newPage(), context, options).load()
    await expect(relaunched.page.getByTestId('card')).toHaveCount(4)
    await expect(cardEl(relaunched, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
    await relaunched.expectPending(2)

    link.restore()
    await expect(b.page.getByTestId('card')).toHaveCount(4, { timeout: 20_000 })
    await expect(cardEl(b, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
    await relaunched.expectPending(0)
    await settle([relaunched, b])
    await expectConverged([relaunched, b])
  } finally {
    await context.close()
  }
})
