/**
 * One device of the demo as a test drives it: a page of the app (apps/demo, index.html) with its
 * own replica name, and helpers that wait on the app's state (`window.accordDemo`) instead of
 * sleeping.
 */
import { expect, type BrowserContext, type JSHandle, type Page } from '@playwright/test'
import type { ConflictRecord, ReplicaStatus } from '../../packages/client/dist/page/index.js'
import type { Collections } from '../../apps/demo/src/app/app-state.js'
import type { DemoHooks, DemoWindow } from '../../apps/demo/src/app/test-hooks.js'

export type WorkerMode = 'shared' | 'dedicated'

export interface DeviceOptions {
  /** The device's label and replica name suffix (`?device=`). */
  name: string
  worker?: WorkerMode
  /** The hub URL (default: the hub fixture's main link). */
  hubUrl?: string
  /** Where the app is served (default: the suite's static server, E2E_DEMO_URL). */
  demoUrl?: string
}

export class Device {
  constructor(
    readonly page: Page,
    readonly context: BrowserContext,
    readonly options: Required<DeviceOptions> & { space: string },
  ) {}

  get name(): string {
    return this.options.name
  }

  /** The app's URL for this device. */
  static url(demoUrl: string, options: Required<DeviceOptions> & { space: string }, page = 'index.html'): string {
    const query = new URLSearchParams({ device: options.name, hub: options.hubUrl, space: options.space })
    if (options.worker === 'dedicated') query.set('worker', 'dedicated')
    return `${demoUrl}/${page}?${query}`
  }

  /** Loads (or reloads) the app and waits until its replica is open. */
  async load(): Promise<this> {
    await this.page.goto(Device.url(this.options.demoUrl, this.options))
    await this.waitReady()
    return this
  }

  async waitReady(): Promise<void> {
    await this.page.waitForFunction(() => document.documentElement.dataset['ready'] === 'true' || (window as DemoWindow).accordDemoError !== undefined, null, { timeout: 30_000 })
    const error = await this.page.evaluate(() => (window as DemoWindow).accordDemoError)
    if (error) throw new Error(`device ${this.name}: the app failed to open its replica: ${error}`)
  }

  async reload(): Promise<void> {
    await this.page.reload()
    await this.waitReady()
  }

  /** Runs `fn` in the page with the app's hooks (`window.accordDemo`). */
  async run<R, A = undefined>(fn: (demo: DemoHooks, arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    const handle = (await this.page.evaluateHandle(() => (window as DemoWindow).accordDemo!)) as JSHandle<DemoHooks>
    try {
      // Playwright's evaluate types unbox the argument; ours are plain JSON values already.
      return (await handle.evaluate(fn as never, arg as never)) as R
    } finally {
      await handle.dispose()
    }
  }

  collections(): Promise<Collections> {
    return this.run((demo) => demo.collections())
  }

  status(): Promise<ReplicaStatus> {
    return this.run((demo) => demo.status())
  }

  conflicts(): Promise<ConflictRecord[]> {
    return this.run((demo) => demo.conflicts())
  }

  replicaId(): Promise<string> {
    return this.run((demo) => demo.replicaId)
  }

  /** The Online/Offline switch in the device's header (pause/resume), clicked as a person would. */
  async setSwitch(online: boolean): Promise<void> {
    const toggle = this.page.getByTestId('online-switch')
    if ((await toggle.isChecked()) !== online) await this.page.getByTestId('online-switch-label').click()
    await expect(this.page.getByTestId('connection')).toHaveText(online ? /online|connecting/ : /offline \(switch\)/)
  }

  /** Waits for the pending badge to show `count`. */
  async expectPending(count: number | RegExp, timeout = 15_000): Promise<void> {
    await expect(this.page.getByTestId('pending')).toHaveText(typeof count === 'number' ? `${count} pending` : count, { timeout })
  }

  async expectConnection(state: 'online' | 'offline' | 'connecting', timeout = 15_000): Promise<void> {
    await expect.poll(async () => (await this.status()).connection, { timeout, message: `device ${this.name} connection` }).toBe(state)
  }

  /** Waits until the outbox is empty and the replica has caught up with the hub (db.flush()). */
  async flush(timeout = 30_000): Promise<void> {
    const outcome = await this.run(
      (demo, ms) =>
        Promise.race([
          demo.db.flush().then(() => 'flushed'),
          new Promise<string>((resolve) => setTimeout(() => resolve(`db.flush() did not resolve within ${ms} ms; status ${JSON.stringify(demo.status())}`), ms)),
        ]),
      timeout,
    )
    if (outcome !== 'flushed') throw new Error(`device ${this.name}: ${outcome}`)
  }
}

/** Flushes every device twice over, so each has seen what the others pushed in the first round. */
export async function settle(devices: readonly Device[]): Promise<void> {
  for (let round = 0; round < 2; round += 1) {
    for (const device of devices) await device.flush()
  }
}

/** Asserts that every device shows the same records (in every collection). */
export async function expectConverged(devices: readonly Device[], timeout = 20_000): Promise<Collections> {
  const [first, ...rest] = devices
  if (!first) throw new Error('expectConverged: no devices')
  let reference: Collections | undefined
  await expect
    .poll(
      async () => {
        reference = await first.collections()
        const others = await Promise.all(rest.map((d) => d.collections()))
        return others.map((c, i) => ({ device: rest[i]!.name, same: JSON.stringify(normalize(c)) === JSON.stringify(normalize(reference!)) }))
      },
      { timeout, message: `devices ${devices.map((d) => d.name).join(', ')} converge` },
    )
    .toEqual(rest.map((d) => ({ device: d.name, same: true })))
  return reference!
}

/** Records with their keys sorted, so two equal records compare equal whatever their key order. */
function normalize(collections: Collections): unknown {
  const sortKeys = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(sortKeys) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)])) : value
  return sortKeys(collections)
}
