/**
 * What the hosting tests run on: the fixture bundled with esbuild from the workspace sources, a
 * static server for it, and a real hub (createHub + sqliteStore on a temporary file, any free port).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { createHub, sqliteStore, type Hub } from '../../packages/hub/dist/index.js'
import type { HubStore } from '../../packages/core/dist/index.js'
import { schema } from './fixture/schema.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const clientSrc = fileURLToPath(new URL('../../packages/client/src/', import.meta.url))

/** `@accord/client` and `@accord/client/worker` from the workspace sources (no build needed). */
const workspaceClient: Plugin = {
  name: 'accord-client-sources',
  setup(b) {
    b.onResolve({ filter: /^@accord\/client(\/worker)?$/ }, (args) => ({
      path: join(clientSrc, args.path.endsWith('/worker') ? 'worker/index.ts' : 'page/index.ts'),
    }))
  },
}

/** Bundles the fixture page and worker into `outdir`, with an index.html. */
export async function buildFixture(outdir: string): Promise<void> {
  mkdirSync(outdir, { recursive: true })
  await build({
    entryPoints: { page: join(here, 'fixture/page.ts'), worker: join(here, 'fixture/worker.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    sourcemap: 'inline',
    outdir,
    plugins: [workspaceClient],
    logLevel: 'warning',
  })
  writeFileSync(join(outdir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="./page.js"></script>\n')
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' }

export interface StaticSite {
  origin: string
  close(): Promise<void>
}

/** Serves `root` on 127.0.0.1, any free port. */
export async function serveStatic(root: string): Promise<StaticSite> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    const file = join(root, path === '/' ? 'index.html' : path)
    try {
      const body = readFileSync(file)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' })
      res.end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export interface TestHub {
  hub: Hub
  store: HubStore
  url: string
  port: number
  /** Sockets connected now. */
  connections(): number
  /** Ids of the sockets connected now (a new id: a new connection). */
  socketIds(): string[]
  /** Record ids the hub holds for `space` (live ones). */
  recordIds(space: string): Promise<string[]>
  /** Closes the hub but keeps its database, for `startHub({ port, dir })` again. */
  close(): Promise<void>
  /** Closes it and removes its database. */
  stop(): Promise<void>
}

/** A real hub on 127.0.0.1; the token `secret` authenticates user `u1`. */
export async function startHub(options: { port?: number; dir?: string } = {}): Promise<TestHub> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'accord-hosting-hub-'))
  const store = sqliteStore(join(dir, 'hub.db'))
  const hub = await createHub({
    schema,
    store,
    port: options.port ?? 0,
    host: '127.0.0.1',
    authenticate: async ({ token }) => (token === 'secret' ? { id: 'u1' } : null),
  })
  let closed: Promise<void> | undefined
  const close = (): Promise<void> => (closed ??= hub.close())
  return {
    hub,
    store,
    url: `http://127.0.0.1:${hub.port}`,
    port: hub.port,
    connections: () => hub.io.of('/').sockets.size,
    socketIds: () => [...hub.io.of('/').sockets.keys()],
    recordIds: async (space) => {
      const page = await store.pull(space, { since: 0, limit: 10_000, replica: '*observer*' })
      return page.records.filter((r) => !r.deleted).map((r) => r.key).sort()
    },
    close,
    stop: async () => {
      await close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A fresh directory under the OS temp dir. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}
