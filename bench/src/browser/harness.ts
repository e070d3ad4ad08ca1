/**
 * The browser side of the bench: bundles bench/browser/ with esbuild (the client from its built
 * dist/, as an app imports it), serves it on 127.0.0.1, and opens pages in Debian's Chromium
 * through playwright-core. Contexts are persistent (IndexedDB on disk, as in a real profile)
 * unless a figure asks for an in-memory one.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { BenchPage } from '../../browser/bench-api.js'
import type { RunContext } from '../lib/figure.js'
import { WorkerInspector } from './worker-inspector.js'
import { CHROMIUM_ARGS as BASE_CHROMIUM_ARGS } from '../../../scripts/chromium.mjs'

const BROWSER_DIR = fileURLToPath(new URL('../../browser/', import.meta.url))

/** The repo's Chromium flags, plus timers and renderers kept at full speed while measuring. */
export const CHROMIUM_ARGS = [...BASE_CHROMIUM_ARGS, '--disable-background-timer-throttling', '--disable-renderer-backgrounding']

let site: Promise<{ origin: string; close(): Promise<void> }> | undefined

/** Builds and serves the bench page once per run (later calls reuse it). */
export function benchSite(ctx: RunContext): Promise<{ origin: string }> {
  site ??= (async () => {
    const outdir = join(ctx.tmp, 'browser')
    await build({
      entryPoints: {
        page: join(BROWSER_DIR, 'page.ts'),
        'accord-worker': join(BROWSER_DIR, 'accord-worker.ts'),
        'raw-worker': join(BROWSER_DIR, 'raw-worker.ts'),
      },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outdir,
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'warning',
    })
    return serve(outdir)
  })()
  return site
}

/** Stops the static server (end of the run). */
export async function closeBenchSite(): Promise<void> {
  const s = await site
  site = undefined
  await s?.close()
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' }
const INDEX = '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="./page.js"></script>\n'

async function serve(root: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '')
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' }).end(INDEX)
      return
    }
    try {
      const body = readFileSync(join(root, path))
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface BenchTab {
  page: Page
  /** Calls `window.bench[method](...args)` in the page and resolves with its (cloned) result. */
  call<K extends keyof BenchPage>(method: K, ...args: Parameters<BenchPage[K]>): Promise<Awaited<ReturnType<BenchPage[K]>>>
  close(): Promise<void>
}

/** A persistent context (its own browser process, IndexedDB on disk) with the bench page open. */
export async function openPersistentTab(ctx: RunContext): Promise<BenchTab> {
  const { origin } = await benchSite(ctx)
  const dir = mkdtempSync(join(ctx.tmp, 'profile-'))
  const context = await chromium.launchPersistentContext(dir, { executablePath: ctx.chromiumPath, args: CHROMIUM_ARGS, headless: true })
  try {
    return await openTab(context, origin, () => context.close())
  } catch (error) {
    await context.close()
    throw error
  }
}

/** An in-memory context in a browser whose CDP session reaches workers (for heap figures). */
export async function openMemoryTab(ctx: RunContext): Promise<BenchTab & { browser: Browser }> {
  const { origin } = await benchSite(ctx)
  const browser = await chromium.launch({ executablePath: ctx.chromiumPath, args: CHROMIUM_ARGS, headless: true })
  try {
    const context = await browser.newContext()
    return { ...(await openTab(context, origin, () => browser.close())), browser }
  } catch (error) {
    await browser.close()
    throw error
  }
}

async function openTab(context: BrowserContext, origin: string, close: () => Promise<void>): Promise<BenchTab> {
  const page = context.pages()[0] ?? (await context.newPage())
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(`${origin}/`)
  await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'bench ready', undefined, { timeout: 30_000 }).catch((error: unknown) => {
    throw new Error(`bench page did not load: ${errors.join('; ') || String(error)}`)
  })
  return {
    page,
    call: (method, ...args) =>
      page.evaluate(
        ([name, list]) => {
          const bench = (globalThis as unknown as { bench: Record<string, (...a: unknown[]) => unknown> }).bench
          return bench[name]?.(...list)
        },
        [method, args as unknown[]] as const,
      ) as never,
    close,
  }
}

/**
 * Runs `body`; with `--profile`, records a CPU profile of the tab's Accord worker meanwhile and
 * writes it to the profile directory as `<name>.cpuprofile`.
 */
export async function withWorkerProfile<T>(ctx: RunContext, tab: BenchTab, name: string, body: () => Promise<T>): Promise<T> {
  if (!ctx.profileDir) return body()
  const inspector = await WorkerInspector.attach(tab.page, 'accord-worker.js')
  await inspector.startProfile()
  try {
    return await body()
  } finally {
    const profile = await inspector.stopProfile()
    writeFileSync(join(ctx.profileDir, `${name}.cpuprofile`), JSON.stringify(profile))
    ctx.log(`worker profile written: ${name}.cpuprofile`)
    await inspector.detach()
  }
}
