import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HlcClock, type HubStore } from '@accord/core'
import { Server } from 'socket.io'
import { BatchGroups } from './batch-groups.js'
import { onConnection } from './connection.js'
import { ConnectionRegistry } from './connection-registry.js'
import { RetentionClock } from './retention.js'
import { handshakeMiddleware } from './handshake.js'
import { startHeadTicker } from './head-ticker.js'
import type { HubContext } from './hub-context.js'
import { resolveLimits } from './limits.js'
import { silentLogger } from './logger.js'
import { principalId } from './principal.js'
import { InflightTracker, KeyedSerialQueue } from './serial-queue.js'
import type { CreateHubOptions, Hub, HubServer, Principal } from './types.js'

const DEFAULT_PORT = 8787
/**
 * How many full pushes one group commit may hold: a bigger group shares its fsync among more
 * pushes, but its first push waits for all of them to be decided before it is acknowledged.
 */
const GROUP_MAX_BATCHES = 4

/**
 * Starts a hub (DESIGN §6): the store's decider behind a Socket.IO server, listening on `port`
 * (0: any free port) or attached to `server`. When it creates the http server, that server also
 * answers `GET /healthz` with the store's health.
 */
export async function createHub(options: CreateHubOptions): Promise<Hub> {
  const limits = resolveLimits(options.limits)
  const logger = options.logger ?? silentLogger
  const owned = options.server === undefined
  const http = options.server ?? createServer(healthzHandler(options.store))
  const io: HubServer = new Server(http, {
    maxHttpBufferSize: limits.messageBytes,
    ...(options.cors === undefined ? {} : { cors: options.cors }),
    ...(options.adapter === undefined ? {} : { adapter: options.adapter }),
  })
  const clock = new HlcClock({ node: 'hub', now: Date.now, maxDriftMs: limits.maxClockDriftMs })
  const batches = new KeyedSerialQueue()
  const ingest = new BatchGroups(
    { schema: options.schema, store: options.store, clock, limits, authorize: options.authorize, logger },
    batches,
    GROUP_MAX_BATCHES * limits.batchChanges,
  )
  const ctx: HubContext = {
    schema: options.schema,
    store: options.store,
    clock,
    limits,
    authenticate: options.authenticate,
    authorize: options.authorize,
    logger,
    batches,
    ingest,
    inflight: new InflightTracker(),
    registry: new ConnectionRegistry(),
    retention: new RetentionClock(limits.retentionMs),
    clustered: options.adapter !== undefined,
    io,
    closing: false,
  }
  io.use(handshakeMiddleware(ctx))
  io.on('connection', (socket) => onConnection(ctx, socket))
  const stopTicker = startHeadTicker(ctx, options.headIntervalMs ?? 10_000)

  if (owned) await listen(http, options.port ?? DEFAULT_PORT, options.host)
  const port = (http.address() as AddressInfo | null)?.port ?? 0
  logger.info('hub listening', { port, host: options.host ?? null, schemaVersion: options.schema.version })

  let closed: Promise<void> | undefined
  return {
    port,
    io,
    revoke: (match) => revoke(io, match),
    close: () => (closed ??= closeHub(ctx, http, owned, stopTicker)),
  }
}

async function closeHub(ctx: HubContext, http: HttpServer, owned: boolean, stopTicker: () => void): Promise<void> {
  ctx.closing = true
  stopTicker()
  await ctx.inflight.idle()
  await ctx.batches.idle()
  await disconnectAll(ctx.io, 2000)
  if (owned) {
    const done = new Promise<void>((resolve) => void ctx.io.close(() => resolve()))
    http.closeAllConnections()
    await done
  } else {
    // io.close() would close the caller's server too: close only what Socket.IO owns.
    ctx.io.engine.close()
  }
  await ctx.store.close()
  ctx.logger.info('hub closed')
}

/**
 * Disconnects every socket and waits (at most `timeoutMs`) for their transports to close: a
 * graceful close flushes what is queued (the last acknowledgements), while `io.close()` alone
 * would discard it.
 */
async function disconnectAll(io: HubServer, timeoutMs: number): Promise<void> {
  type EngineClient = { once(event: 'close', listener: () => void): void }
  const clients = Object.values((io.engine as unknown as { clients: Record<string, EngineClient> }).clients)
  const closed = clients.map((client) => new Promise<void>((resolve) => client.once('close', resolve)))
  io.disconnectSockets(true)
  let timer: NodeJS.Timeout | undefined
  await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
  clearTimeout(timer)
}

/**
 * Disconnects the matching sockets on every hub process: `fetchSockets` asks the other processes
 * through the adapter (a single process answers for itself).
 */
async function revoke(io: HubServer, match: { principal?: Principal; space?: string }): Promise<number> {
  const wanted = match.principal === undefined ? undefined : principalId(match.principal)
  let count = 0
  for (const socket of await io.fetchSockets()) {
    if (wanted !== undefined && socket.data.principalId !== wanted) continue
    if (match.space !== undefined && socket.data.space !== match.space) continue
    socket.disconnect(true)
    count += 1
  }
  return count
}

function listen(http: HttpServer, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    http.once('error', reject)
    http.listen(port, host, () => {
      http.off('error', reject)
      resolve()
    })
  })
}

/** `GET /healthz`: 200 with the store's health when it is ok, 503 otherwise; 404 for anything else. */
export function healthzHandler(store: HubStore) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/healthz') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}')
      return
    }
    store.health().then(
      (health) => res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health)),
      (error: unknown) => {
        const detail = error instanceof Error ? error.message : String(error)
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, spaces: 0, detail }))
      },
    )
  }
}
