/**
 * The demo suite's fixtures (STYLE §12: a worker-scoped server, reset before each test):
 *   hubServer  worker-scoped: this worker's hub and its main TCP link
 *   hub        per test: fresh storage, a unique space, start/stop/restart, extra links
 *   devices    per test: opens devices (pages of the app), each in its own browser context unless
 *              told to share one; closes them after the test
 */
import { test as base, type Browser, type BrowserContext } from '@playwright/test'
import { Device, type DeviceOptions } from './device.js'
import { HubServer, type HubControl } from './hub-server.js'

export interface DeviceFactory {
  /** A new device in a new browser context (a separate browser profile: its own IndexedDB). */
  open(options: DeviceOptions): Promise<Device>
  /** Another tab of `device`'s browser context: the same replica. */
  openTab(device: Device): Promise<Device>
  /** A new context, for a test that wants to open pages in it itself. */
  newContext(): Promise<BrowserContext>
}

export const test = base.extend<{ hub: HubControl; devices: DeviceFactory; demoUrl: string }, { hubServer: HubServer }>({
  hubServer: [
    async ({}, use) => {
      const server = await HubServer.create()
      await use(server)
      await server.close()
    },
    { scope: 'worker' },
  ],

  demoUrl: async ({}, use) => {
    const url = process.env['E2E_DEMO_URL']
    if (!url) throw new Error('E2E_DEMO_URL is not set: run the suite with -c e2e/playwright.config.ts (its global setup builds and serves the demo)')
    await use(url)
  },

  hub: async ({ hubServer }, use, testInfo) => {
    await hubServer.reset(testInfo.outputPath('hub.db'), testInfo.outputPath('hub.log'))
    const space = `t${testInfo.workerIndex}-${Date.now().toString(36)}`
    await use(hubServer.control(space))
    await hubServer.closeLinks()
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('hub.log', { path: testInfo.outputPath('hub.log'), contentType: 'text/plain' }).catch(() => undefined)
    }
  },

  devices: async ({ browser, hub, demoUrl }, use) => {
    const contexts: BrowserContext[] = []
    const newContext = async (): Promise<BrowserContext> => {
      const context = await createContext(browser)
      contexts.push(context)
      return context
    }
    const factory: DeviceFactory = {
      newContext,
      async open(options) {
        const context = await newContext()
        const page = await context.newPage()
        const full = { worker: options.worker ?? 'shared', hubUrl: options.hubUrl ?? hub.url, name: options.name, space: hub.space, demoUrl: options.demoUrl ?? demoUrl }
        return new Device(page, context, full).load()
      },
      async openTab(device) {
        const page = await device.context.newPage()
        return new Device(page, device.context, device.options).load()
      },
    }
    await use(factory)
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)))
  },
})

async function createContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 900 } })
}

export { expect } from '@playwright/test'
