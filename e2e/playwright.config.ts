import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs'

// Debian's Chromium (Playwright cannot download its own browsers here; see shared toolchain notes).
// PLAYWRIGHT_CHROMIUM_PATH overrides the path (scripts/ensure-chromium.sh prints one).
const executablePath = CHROMIUM_PATH

// Projects: `hosting` (the client's worker hosting, on its own fixture page), `demo` (the demo
// app, apps/demo, built once by the global setup and served statically, against a hub per worker)
// and `pwa` (the demo as a PWA: opened offline from its service worker, a new build deployed).
// `screenshots` regenerates the README's pictures and runs only when asked:
//   E2E_SCREENSHOTS=1 pnpm exec playwright test -c e2e/playwright.config.ts --project screenshots
const projects = [
  { name: 'hosting', testDir: './hosting' },
  { name: 'demo', testDir: './demo' },
  { name: 'pwa', testDir: './pwa' },
  ...(process.env.E2E_SCREENSHOTS === '1' ? [{ name: 'screenshots', testDir: '.', testMatch: 'screenshots.ts' }] : []),
]

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../test-results/e2e-artifacts',
  globalSetup: './support/global-setup.ts',
  projects,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  // Two cores here: two workers at most.
  workers: Number(process.env.E2E_WORKERS ?? 2),
  forbidOnly: !!process.env.CI,
  retries: 0,
  // scripts/test.sh passes --reporter=list,json with PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/e2e.json
  // (what scripts/summarize.mjs reads); a plain run writes the same file.
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? '../test-results/e2e.json' }]],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath,
      args: [...CHROMIUM_ARGS],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
})
