/**
 * Type-checks the suite, then builds the demo once per run (type check + `vite build`) into a directory of its own, and serves
 * it on a local port for every test worker (E2E_DEMO_URL). A private output directory, because
 * other runs on the same work tree (another engineer's, `pnpm demo`) must not empty it mid-run.
 * E2E_DEMO_DIST=<dir> serves that directory, building it only when it has no index.html.
 * Exports E2E_DEMO_URL (where it is served) and E2E_DEMO_DIR (the build) to the test workers.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serveStatic } from './static-server.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(`${root}packages/hub/dist/index.js`) || !existsSync(`${root}packages/client/dist/page/index.js`)) {
    throw new Error('e2e: the packages are not built; run `pnpm run build` at the repository root first')
  }
  // The suite's own types (a wrong hook name or field fails here, not as a confusing timeout).
  execFileSync('pnpm', ['exec', 'tsc', '-p', 'e2e'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  const given = process.env['E2E_DEMO_DIST']
  const outDir = given ?? mkdtempSync(join(tmpdir(), 'accord-e2e-demo-'))
  if (!existsSync(join(outDir, 'index.html'))) {
    const started = Date.now()
    const pnpm = (...args: string[]) => execFileSync('pnpm', ['--filter', './apps/demo', 'exec', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    pnpm('tsc', '-b')
    pnpm('vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn')
    process.stdout.write(`e2e: built the demo into ${outDir} in ${Date.now() - started} ms\n`)
  }
  const server = await serveStatic(outDir)
  process.env['E2E_DEMO_URL'] = server.url
  // The PWA tests serve this build again from origins of their own (support/pwa.ts).
  process.env['E2E_DEMO_DIR'] = outDir
  process.stdout.write(`e2e: demo served at ${server.url}; failure artifacts (screenshots, traces, hub logs) go to test-results/e2e-artifacts/\n`)
  return async () => {
    await server.close()
    if (!given) rmSync(outDir, { recursive: true, force: true })
  }
}
