/**
 * Builds the demo once (type check + `vite build`) and serves apps/demo/dist on a local port for
 * every test worker (E2E_DEMO_URL). E2E_SKIP_BUILD=1 reuses the last build.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { serveStatic } from './static-server.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const demoDir = `${root}apps/demo`

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(`${root}packages/hub/dist/index.js`) || !existsSync(`${root}packages/client/dist/page/index.js`)) {
    throw new Error('e2e: the packages are not built; run `pnpm run build` at the repository root first')
  }
  if (process.env['E2E_SKIP_BUILD'] !== '1' || !existsSync(`${demoDir}/dist/index.html`)) {
    const started = Date.now()
    execFileSync('pnpm', ['--filter', './apps/demo', 'run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    process.stdout.write(`e2e: built the demo in ${Date.now() - started} ms\n`)
  }
  const server = await serveStatic(`${demoDir}/dist`)
  process.env['E2E_DEMO_URL'] = server.url
  process.stdout.write(`e2e: demo served at ${server.url}; failure artifacts (screenshots, traces, hub logs) go to test-results/e2e-artifacts/\n`)
  return () => server.close()
}
