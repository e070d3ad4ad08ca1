/**
 * Hosting modes in a real Chromium (DESIGN §5): tabs of one browser context share one replica
 * through a SharedWorker, or through per-tab dedicated Workers (or per-tab in-process runtimes)
 * with one leader elected by Web Locks; browser contexts are separate devices. Every test runs
 * against a real hub on loopback.
 */
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import type { CardRecord, FixtureApi, FixtureWindow } from './fixture/api.js'
import { buildFixture, serveStatic, startHub, tempDir, type StaticSite, type TestHub } from './servers.js'

const test = base.extend<{ hub: TestHub }, { site: StaticSite }>({
  site: [
    async ({}, use) => {
      const dir = tempDir('accord-hosting-site-')
      await buildFixture(dir)
      const site = await serveStatic(dir)
      await use(site)
      await site.close()
    },
    { scope: 'worker' },
  ],
  hub: async ({}, use) => {
    const hub = await startHub()
    await use(hub)
    await hub.stop()
  },
})

type Mode = FixtureApi['mode']

/** Runs `fn` in the page against `window.accord` (the function's source crosses, not a closure). */
async function run<T, A = undefined>(page: Page, fn: (api: FixtureApi, arg: A) => T | Promise<T>, arg?: A): Promise<T> {
  const result = await page.evaluate(
    ({ source, input }) => {
      const api = (window as unknown as FixtureWindow).accord
      if (!api) throw new Error('the fixture replica is not open')
      const call = new Function(`return (${source})`)() as (api: FixtureApi, arg: unknown) => unknown
      return call(api, input) as never
    },
    { source: fn.toString(), input: arg as unknown },
  )
  return result as T
}

async function openTab(context: BrowserContext, site: StaticSite, hub: TestHub, mode: Mode, name = 'hosting'): Promise<Page> {
  const page = await context.newPage()
  const query = new URLSearchParams({ hub: hub.url, space: 'space-1', name, worker: mode })
  await page.goto(`${site.origin}/?${query}`)
  await page.waitForFunction(() => {
    const w = window as unknown as FixtureWindow
    return w.accord !== undefined || w.accordError !== undefined
  })
  const error = await page.evaluate(() => (window as unknown as FixtureWindow).accordError)
  if (error) throw new Error(`the fixture failed to open its replica: ${error}`)
  return page
}

const card = (id: string, title: string): CardRecord => ({ id, listId: 'l1', title, votes: 0, tags: [] })

const connection = (page: Page): Promise<string> => run(page, (api) => api.status().connection)

const seenTitle = (page: Page, id: string): Promise<string | undefined> => run(page, (api, key) => api.seen[key]?.title, id)

async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext()
}

for (const mode of ['shared', 'dedicated', 'in-process'] as const) {
  test.describe(`${mode} host`, () => {
    test('two tabs share one replica and one socket; a write shows in the other tab at once, with the hub up or unreachable', async ({ browser, site, hub }) => {
      const context = await newContext(browser)
      const a = await openTab(context, site, hub, mode)
      await expect.poll(() => connection(a)).toBe('online')
      const b = await openTab(context, site, hub, mode)
      expect(await run(b, (api) => api.replicaId)).toBe(await run(a, (api) => api.replicaId))
      await expect.poll(() => connection(b)).toBe('online')
      // One leader, one socket, whatever the number of tabs.
      await expect.poll(() => hub.connections()).toBe(1)

      await run(b, (api) => api.watch('c1'))
      await run(a, (api, c) => api.put(c), card('c1', 'first'))
      await expect.poll(() => seenTitle(b, 'c1'), { timeout: 2000 }).toBe('first')
      await expect.poll(() => hub.recordIds('space-1')).toEqual(['c1'])

      // The hub goes away: both tabs keep sharing writes at once.
      await hub.close()
      await expect.poll(() => connection(a)).not.toBe('online')
      await run(a, (api) => api.watch('c2'))
      const started = Date.now()
      await run(b, (api, c) => api.put(c), card('c2', 'offline write'))
      await expect.poll(() => seenTitle(a, 'c2'), { timeout: 2000 }).toBe('offline write')
      expect(Date.now() - started).toBeLessThan(2000)
      await expect.poll(() => run(a, (api) => api.status().pending)).toBeGreaterThan(0)
      await context.close()
    })
  })
}

test.describe('dedicated worker leadership', () => {
  test('a follower tab writes through the leader; when the leader tab closes another tab takes over the socket', async ({ browser, site, hub }) => {
    const context = await newContext(browser)
    const a = await openTab(context, site, hub, 'dedicated')
    await expect.poll(() => connection(a)).toBe('online')
    const b = await openTab(context, site, hub, 'dedicated')
    await expect.poll(() => hub.connections()).toBe(1)
    const leaderSocket = hub.socketIds()[0]

    // A follower's write reaches the hub through the leader's socket.
    await run(b, (api, c) => api.put(c), card('from-follower', 'b'))
    await expect.poll(() => hub.recordIds('space-1')).toContain('from-follower')

    await a.close()
    await expect.poll(() => hub.socketIds().filter((id) => id !== leaderSocket).length).toBe(1)
    expect(hub.connections()).toBe(1)
    await expect.poll(() => connection(b)).toBe('online')
    await run(b, (api, c) => api.put(c), card('after-handover', 'b'))
    await expect.poll(() => hub.recordIds('space-1')).toContain('after-handover')
    await run(b, (api) => api.flush())
    expect(await run(b, (api) => api.status().pending)).toBe(0)
    await context.close()
  })

  test('a leader tab that freezes releases the lock: a follower takes over the socket; the resumed tab follows', async ({ browser, site, hub }) => {
    const context = await newContext(browser)
    const a = await openTab(context, site, hub, 'dedicated')
    await expect.poll(() => connection(a)).toBe('online')
    const b = await openTab(context, site, hub, 'dedicated')
    await expect.poll(() => hub.connections()).toBe(1)
    const leaderSocket = hub.socketIds()[0]

    // Headless Chromium fires no `freeze` for a visible tab (CDP's setWebLifecycleState neither), so
    // the page's own events are dispatched: what is tested is the page → host → lock path.
    await a.evaluate(() => document.dispatchEvent(new Event('freeze')))
    await expect.poll(() => hub.socketIds().filter((id) => id !== leaderSocket).length).toBe(1)
    expect(hub.connections()).toBe(1)
    await run(b, (api, c) => api.put(c), card('while-frozen', 'b'))
    await expect.poll(() => hub.recordIds('space-1')).toContain('while-frozen')

    // Resumed, the old leader bids again and waits: still one socket, the new leader's.
    await a.evaluate(() => document.dispatchEvent(new Event('resume')))
    const newLeader = hub.socketIds()[0]
    await run(a, (api, c) => api.put(c), card('after-resume', 'a'))
    await expect.poll(() => hub.recordIds('space-1')).toContain('after-resume')
    expect(hub.socketIds()).toEqual([newLeader])
    await context.close()
  })

  test('pause in a follower tab stops the leader, and survives a leader handover', async ({ browser, site, hub }) => {
    const context = await newContext(browser)
    const a = await openTab(context, site, hub, 'dedicated')
    await expect.poll(() => connection(a)).toBe('online')
    const b = await openTab(context, site, hub, 'dedicated')
    await expect.poll(() => connection(b)).toBe('online')

    await run(b, (api) => api.pause())
    await expect.poll(() => run(a, (api) => api.status().paused)).toBe(true)
    await run(a, (api, c) => api.put(c), card('paused-1', 'a'))
    await a.waitForTimeout(1000)
    expect(await hub.recordIds('space-1')).not.toContain('paused-1')

    await a.close()
    await expect.poll(() => hub.connections(), { timeout: 5000 }).toBeLessThanOrEqual(1)
    await run(b, (api, c) => api.put(c), card('paused-2', 'b'))
    await b.waitForTimeout(1500)
    expect(await hub.recordIds('space-1')).toEqual([])
    expect(await run(b, (api) => api.status().paused)).toBe(true)

    await run(b, (api) => api.resume())
    await expect.poll(() => hub.recordIds('space-1')).toEqual(['paused-1', 'paused-2'])
    await context.close()
  })
})

test('two browser contexts are separate replicas that converge through the hub', async ({ browser, site, hub }) => {
  const one = await newContext(browser)
  const two = await newContext(browser)
  const a = await openTab(one, site, hub, 'shared')
  const b = await openTab(two, site, hub, 'shared')
  expect(await run(a, (api) => api.replicaId)).not.toBe(await run(b, (api) => api.replicaId))

  await run(a, (api, c) => api.put(c), card('x1', 'from one'))
  await run(b, (api, c) => api.put(c), card('x2', 'from two'))
  await run(a, (api) => api.flush())
  await run(b, (api) => api.flush())
  await run(a, (api) => api.flush())
  expect(await run(a, (api) => api.ids())).toEqual(['x1', 'x2'])
  expect(await run(b, (api) => api.ids())).toEqual(['x1', 'x2'])
  expect(await hub.recordIds('space-1')).toEqual(['x1', 'x2'])
  await one.close()
  await two.close()
})
