/**
 * P9 — client bundle sizes, min+gzip, built by esbuild (ESM, minified, browser) from the published
 * entry points (the built `dist/` of @accord/client, as an app imports them):
 *   page     everything `@accord/client` exports, with its dependencies, as it loads at start:
 *            the in-process runtime (`worker: false`, behind a dynamic import()) is left out and
 *            reported apart, as a bundler with code splitting ships it in a lazy chunk
 *   worker   an app's worker entry: `serveReplica({ schema })`, with its dependencies
 *   own      page + worker in one bundle with every dependency external: our code alone, once
 * Per-package minified bytes come from esbuild's metafile.
 */
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Metafile, type Plugin } from 'esbuild'
import type { Figure, FigureModule } from '../lib/figure.js'
import { breakDown } from './bundle-breakdown.js'

const OWN_TARGET_BYTES = 15 * 1024
const BENCH_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DEPENDENCIES = ['comlink', 'dexie', 'rxjs', 'socket.io-client']

export const p9: FigureModule = {
  ids: ['P9'],
  title: 'client bundle size',
  run: () => measureBundles(),
}

interface Bundle {
  code: Uint8Array
  map: { sources: string[]; mappings: string } | undefined
  minBytes: number
  gzipBytes: number
  /** Minified bytes per package (from the metafile). */
  packages: Record<string, number>
}

/** Leaves the page's dynamic import of the in-process runtime out of the bundle. */
const lazyInProcess: Plugin = {
  name: 'lazy-in-process',
  setup(b) {
    b.onResolve({ filter: /\/in-process\.js$/, namespace: 'file' }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined))
  },
}

async function bundle(source: string, options: { external?: string[]; plugins?: Plugin[] } = {}): Promise<Bundle> {
  const result = await build({
    // Resolved from bench/, which depends on @accord/client as an app does.
    stdin: { contents: source, resolveDir: BENCH_ROOT, sourcefile: 'entry.js', loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    sourcemap: 'external',
    sourcesContent: false,
    outfile: 'out.js',
    external: options.external ?? [],
    plugins: options.plugins ?? [],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  })
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))
  if (!js) throw new Error('esbuild produced no JavaScript')
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'))
  return { code: js.contents, map: map ? (JSON.parse(map.text) as Bundle['map']) : undefined, minBytes: js.contents.byteLength, gzipBytes: gzipSync(js.contents, { level: 9 }).byteLength, packages: byPackage(result.metafile) }
}

/** Minified bytes in the output per package: @accord/* by workspace folder, the rest by npm name. */
function byPackage(metafile: Metafile): Record<string, number> {
  const out: Record<string, number> = {}
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const own = /packages\/(core|client)\//.exec(path)
      const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path)
      const name = own ? `@accord/${own[1]}` : dep ? (dep[1] as string) : 'entry'
      out[name] = (out[name] ?? 0) + bytesInOutput
    }
  }
  return Object.fromEntries(Object.entries(out).filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]))
}

const PAGE = "export * from '@accord/client'\n"
const WORKER = [
  "import { serveReplica } from '@accord/client/worker'",
  "import { defineSchema } from '@accord/core'",
  "serveReplica({ schema: defineSchema({ version: 1, collections: { items: { indexes: ['listId'] } } }) })",
  '',
].join('\n')
const OWN = "export * from '@accord/client'\nexport { serveReplica } from '@accord/client/worker'\n"

async function measureBundles(): Promise<Figure[]> {
  const external = DEPENDENCIES.flatMap((d) => [d, `${d}/*`])
  const page = await bundle(PAGE, { plugins: [lazyInProcess] })
  const pageWithInProcess = await bundle(PAGE)
  const worker = await bundle(WORKER)
  const own = await bundle(OWN, { external })
  const ownPage = await bundle(PAGE, { external, plugins: [lazyInProcess] })
  const ownWorker = await bundle(WORKER, { external })
  const row = (name: string, b: Bundle, what: string, target: Figure['target'], extra: Record<string, unknown> = {}): Figure => ({
    id: 'P9',
    title: 'client bundle, min+gzip',
    case: name,
    durability: 'n/a',
    measured: { unit: 'KB gzip', value: kb(b.gzipBytes), what, minifiedKB: kb(b.minBytes), minifiedBytesByPackage: b.packages, ...extra },
    baseline: null,
    ratio: null,
    target,
  })
  const none = { text: 'none (reported)', met: null }
  return [
    row('page part, at start (`@accord/client`, with deps)', page, `${PAGE.trim()}, minus the lazily imported in-process runtime`, none, {
      withInProcessRuntimeInlinedKB: kb(pageWithInProcess.gzipBytes),
    }),
    row('worker part (`serveReplica` entry, with deps)', worker, 'an app worker entry calling serveReplica', none),
    row('own code (page + worker, deps external)', own, `${OWN.trim().replace('\n', '; ')} with ${DEPENDENCIES.join(', ')} external`, {
      text: `≤ ${OWN_TARGET_BYTES / 1024} KB gzip`,
      met: own.gzipBytes <= OWN_TARGET_BYTES,
    }, { pageOnlyKB: kb(ownPage.gzipBytes), workerOnlyKB: kb(ownWorker.gzipBytes), byPart: partsOf(own) }),
  ]
}

/** The own bundle by source folder (bundle-breakdown.ts), in KB. */
function partsOf(b: Bundle): Array<Record<string, unknown>> {
  if (!b.map) return []
  const { parts } = breakDown(new TextDecoder().decode(b.code), b.map)
  return parts.map((p) => ({ part: p.part, minifiedKB: kb(p.minBytes), gzipAloneKB: kb(p.gzipAloneBytes), gzipMarginalKB: kb(p.gzipMarginalBytes), role: p.role, minifiedBytesByFile: p.files }))
}

function kb(bytes: number): number {
  return Math.round((bytes / 1024) * 10) / 10
}
