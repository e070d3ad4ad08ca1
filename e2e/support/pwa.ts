/**
 * Fixtures of the PWA suite (e2e/pwa), on top of the demo suite's:
 *   origin     per test: the demo's build served again on a port of its own, which the test can
 *              take down (an unreachable origin) or deploy another build to; its own origin also
 *              means a service worker registration of its own
 *   nextBuild  worker-scoped, built on first use: the same app built again with another label
 *              (DEMO_BUILD), so every hashed file, the replica's worker bundle and sw.js differ
 * and helpers that read what the service worker holds.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, type Page } from '@playwright/test'
import { test as demoTest } from './fixtures.js'
import type { Device } from './device.js'
import { serveStatic, type StaticServer } from './static-server.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The label of the second build (what its pages show as `build …`). */
export const NEXT_BUILD = 'e2e-next'

export const test = demoTest.extend<{ origin: StaticServer }, { nextBuild: string }>({
  origin: async ({}, use) => {
    const dir = process.env['E2E_DEMO_DIR']
    if (!dir) throw new Error('E2E_DEMO_DIR is not set: run the suite with -c e2e/playwright.config.ts (its global setup builds the demo)')
    const server = await serveStatic(dir)
    await use(server)
    await server.close()
  },

  nextBuild: [
    async ({}, use) => {
      const outDir = mkdtempSync(join(tmpdir(), 'accord-e2e-demo-next-'))
      const started = Date.now()
      execFileSync('pnpm', ['--filter', './apps/demo', 'exec', 'vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, DEMO_BUILD: NEXT_BUILD },
      })
      process.stdout.write(`e2e: built the demo again as "${NEXT_BUILD}" into ${outDir} in ${Date.now() - started} ms\n`)
      await use(outDir)
      rmSync(outDir, { recursive: true, force: true })
    },
    { scope: 'worker' },
  ],
})

export { expect }

/** Waits until a service worker holds the app shell and controls the device's page. */
export async function expectOfflineReady(device: Device): Promise<void> {
  await expect(device.page.getByTestId('app-shell')).toHaveAttribute('data-offline-ready', 'true')
  await device.page.waitForFunction(() => navigator.serviceWorker.controller !== null)
}

/** Every URL in the page origin's Cache Storage. */
export function cachedUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const urls: string[] = []
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(request.url)
    }
    return urls
  })
}

/** The build label the device's page runs. */
export function buildOf(device: Device): Promise<string | null> {
  return device.page.getByTestId('app-shell').getAttribute('data-build')
}
