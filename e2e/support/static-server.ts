/**
 * A small static file server for the built demo (apps/demo/dist): steadier and faster to start
 * than a dev server, and what a deployed app looks like. Serves ES modules and workers with a
 * JavaScript MIME type; unknown paths are 404 (no SPA fallback: the app has two real pages).
 *
 * For the PWA tests it can also deploy another build in place (`deploy(dir)`: the next request is
 * served from there), go down (`setDown(true)`: every request is reset, as an unreachable origin),
 * and tells which paths it served (`served`), so a test can prove a page came from the service
 * worker and not from here.
 */
import { createReadStream, promises as fs } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
}

export interface StaticServer {
  url: string
  /** Paths served with 200 so far, in order. */
  readonly served: readonly string[]
  /** Serves `root` from the next request on (a deploy). */
  deploy(root: string): void
  /** Down: every request's connection is reset, as if the origin were unreachable. */
  setDown(down: boolean): void
  close(): Promise<void>
}

export async function serveStatic(initialRoot: string, port = 0): Promise<StaticServer> {
  let root = initialRoot
  let down = false
  const served: string[] = []
  const server: Server = createServer((req, res) => {
    if (down) {
      req.socket.resetAndDestroy()
      return
    }
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
      const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path))
      if (!file.startsWith(root + sep) && file !== root) {
        res.writeHead(403).end()
        return
      }
      const stat = await fs.stat(file).catch(() => undefined)
      if (!stat?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
        return
      }
      served.push(path)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': stat.size, 'cache-control': 'no-cache' })
      createReadStream(file).pipe(res)
    })()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('static server: no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    served,
    deploy(next) {
      root = next
    },
    setDown(value) {
      down = value
      if (value) server.closeAllConnections()
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
