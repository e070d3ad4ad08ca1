/**
 * One child process of a Node figure (started by `lib/child.ts`; config as argv[2]):
 *   hub         the real hub (createHub on a SQLite file, or on `store` with a Redis adapter for
 *               several processes), limits raised so that per-connection rate limits never cap a
 *               benchmark
 *   relay       the raw baseline of P6: a bare Socket.IO server that re-emits `relay` to the room;
 *               also P5's transport floor (`push` answered without a hub behind it)
 *   sqlite-raw  the raw baseline of P5: better-sqlite3 inserts of given rows, batched
 *   pg-raw      the raw baseline of S1: node-postgres inserts of the rows a hub cluster wrote
 * It answers IPC requests `{ id, type, ... }` with `{ id, ok, value | error }` and exits on `stop`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHub, type Hub } from '@accord/hub'
import { PROTOCOL_VERSION, type PullResponse } from '@accord/core'
import { Server } from 'socket.io'
import { schema } from '../schema.js'
import { insertRowsRaw, type RawInsertRequest } from './sqlite-raw.js'
import { insertRowsPg, type PgRawRequest } from './pg-raw.js'
import { connectRedisAdapter, openHubStore, type HubStoreSpec } from './hub-store.js'
import { timedStore } from './timed-store.js'
import { WireClient } from './wire-client.js'

export type ServerConfig =
  | {
      type: 'hub'
      /** A SQLite file (the figures' default), or `store` instead. */
      dbPath?: string
      /** Multi-hub hook: the store (e.g. one PostgreSQL store for 1–3 hub processes). */
      store?: HubStoreSpec
      /** Multi-hub hook: Redis for the Socket.IO adapter, so broadcasts reach every process's sockets. */
      redisUrl?: string
      batchChanges?: number
    }
  | { type: 'relay' }
  | { type: 'sqlite-raw' }
  | { type: 'pg-raw' }

/** Socket.IO's buffer limit as the hub sets it (batchBytes 1 MB + 64 KiB), for the relay too. */
const MESSAGE_BYTES = 1_000_000 + 64 * 1024

type Request = { id: number; type: string; [key: string]: unknown }

/**
 * When a traced push arrived and when its broadcast left, on the machine's clock as pages read it
 * (`performance.timeOrigin + now()`), so P4 can split a propagation into A's, the hub's and B's part.
 */
export interface BroadcastInstants {
  pushArrived: number
  emitted: number
}
type Handler = (request: Request) => unknown

/**
 * Records, for each broadcast, the time from the arrival of the push that caused it to the
 * hub's first `io.to(room)….emit` for it (P6 subtracts it to get the fan-out proper). A batch is
 * emitted once per wire encoding (a room each, `except` narrowing the logical one): the span ends
 * at the first of those emits, before any socket was written to. Exact with one push in flight at
 * a time, which is how P6 drives the hub.
 */
function traceBroadcasts(hub: Hub): { spans: number[]; instants: BroadcastInstants[] } {
  const spans: number[] = []
  const instants: BroadcastInstants[] = []
  let pushArrived = 0
  let traced = true
  hub.io.on('connection', (socket) => {
    socket.use((packet, next) => {
      if (packet[0] === 'push') {
        pushArrived = performance.now()
        traced = false
      }
      next()
    })
  })
  type Operator = ReturnType<typeof hub.io.to>
  const wrap = (operator: Operator): Operator => {
    const emit = operator.emit.bind(operator)
    const except = operator.except.bind(operator)
    operator.emit = ((...args: unknown[]) => {
      if (!traced) {
        const emitted = performance.now()
        spans.push(emitted - pushArrived)
        instants.push({ pushArrived: performance.timeOrigin + pushArrived, emitted: performance.timeOrigin + emitted })
      }
      traced = true
      return (emit as (...a: unknown[]) => boolean)(...args)
    }) as typeof emit
    operator.except = ((room: string | string[]) => wrap(except(room))) as typeof except
    return operator
  }
  const to = hub.io.to.bind(hub.io)
  hub.io.to = ((room: string) => wrap(to(room))) as typeof hub.io.to
  return { spans, instants }
}

/** Every pull page of `space` from since=0, keyed by the `since` that asked for it. */
async function loadPages(url: string, space: string, limit: number): Promise<Map<number, PullResponse>> {
  const client = await WireClient.connect(url, space)
  try {
    const pages = new Map<number, PullResponse>()
    let since = 0
    for (;;) {
      const page = (await client.socket.timeout(60_000).emitWithAck('pull', { v: PROTOCOL_VERSION, since, limit })) as PullResponse
      if (!page.ok) throw new Error(`pull failed: ${page.error.code}`)
      pages.set(since, page)
      if (!page.more) return pages
      since = page.until
    }
  } finally {
    client.close()
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig
  const handlers = new Map<string, Handler>()
  let close: () => Promise<void> = async () => undefined
  let ready: Record<string, unknown> = { pid: process.pid }

  if (config.type === 'hub') {
    const spec: HubStoreSpec | undefined = config.store ?? (config.dbPath === undefined ? undefined : { kind: 'sqlite', path: config.dbPath })
    if (!spec) throw new Error('a hub child needs dbPath or store')
    const timed = timedStore(await openHubStore(spec))
    const redis = config.redisUrl === undefined ? undefined : await connectRedisAdapter(config.redisUrl, `accord-bench-${spec.kind === 'postgres' ? spec.schema : 'sqlite'}`)
    const hub: Hub = await createHub({
      schema,
      store: timed.store,
      ...(redis ? { adapter: redis.adapter } : {}),
      port: 0,
      host: '127.0.0.1',
      headIntervalMs: 600_000,
      limits: { pushesPerSecond: 1_000_000, requestsPerSecond: 1_000_000, batchChanges: config.batchChanges ?? 500 },
    })
    ready = { ...ready, port: hub.port }
    handlers.set('sockets', () => hub.io.of('/').sockets.size)
    const { spans, instants } = traceBroadcasts(hub)
    handlers.set('broadcast-spans', () => spans.splice(0))
    handlers.set('broadcast-instants', () => instants.splice(0))
    handlers.set('store-timings', (request) => {
      const out = timed.timings()
      if (request.reset) timed.reset()
      return out
    })
    close = async () => {
      await hub.close()
      await redis?.close()
    }
  } else if (config.type === 'relay') {
    const http = createServer()
    const io = new Server(http, { maxHttpBufferSize: MESSAGE_BYTES })
    // P7's raw transfer: pages pulled once from the hub, served again as they are.
    const pages = new Map<number, unknown>()
    io.on('connection', (socket) => {
      const space = String((socket.handshake.auth as { space?: unknown }).space ?? 'bench')
      void socket.join(`space:${space}`)
      socket.on('relay', (payload: unknown) => void io.to(`space:${space}`).emit('commits', payload))
      // P5's transport floor: what Socket.IO alone costs a push of the hub's shape. Socket.IO
      // parses the frame; the changes go back to the room as one message (about a commit's size
      // each) and the writer gets an ack as the hub's. No validation, decision or store.
      let seq = 0
      socket.on('push', (payload: { changes?: Array<{ writer: string; n: number }> }, ack: (reply: unknown) => void) => {
        const changes = payload.changes ?? []
        seq += changes.length
        void io.to(`space:${space}`).emit('commits', { v: PROTOCOL_VERSION, commits: changes })
        const last = changes[changes.length - 1]
        ack({ ok: true, through: last ? { [last.writer]: last.n } : {}, seq, rejected: [] })
      })
      socket.on('pull', (request: { since: number }, ack: (page: unknown) => void) => {
        ack(pages.get(request.since) ?? { ok: false, error: { code: 'no_page', message: `no page at ${request.since}` } })
      })
      socket.emit('welcome', { v: 1 })
    })
    handlers.set('load-pages', async (request) => {
      const loaded = await loadPages(String(request.url), String(request.space), Number(request.limit))
      pages.clear()
      for (const [since, page] of loaded) pages.set(since, page)
      return { pages: loaded.size, bytes: [...loaded.values()].reduce((sum, page) => sum + Buffer.byteLength(JSON.stringify(page)), 0) }
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    ready = { ...ready, port: (http.address() as AddressInfo).port }
    handlers.set('sockets', () => io.of('/').sockets.size)
    close = () => new Promise<void>((resolve) => void io.close(() => resolve()))
  } else if (config.type === 'sqlite-raw') {
    handlers.set('insert-rows', (request) => insertRowsRaw(request as unknown as RawInsertRequest))
  } else if (config.type === 'pg-raw') {
    handlers.set('insert-rows', (request) => insertRowsPg(request as unknown as PgRawRequest))
  } else {
    throw new Error(`unknown child config ${JSON.stringify(config)}`)
  }

  handlers.set('hello', () => ready)
  handlers.set('memory', () => process.memoryUsage())
  handlers.set('cpu', () => process.cpuUsage())
  process.on('message', (raw) => {
    const request = raw as Request
    if (request.type === 'stop') {
      void close().finally(() => process.exit(0))
      return
    }
    const handler = handlers.get(request.type)
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no handler for ${request.type}`)
        return handler(request)
      })
      .then(
        (value) => process.send?.({ id: request.id, ok: true, value }),
        (error: unknown) => process.send?.({ id: request.id, ok: false, error: error instanceof Error ? error.stack : String(error) }),
      )
  })
  // The parent going away (a crash, a timeout) must not leave a server behind.
  process.on('disconnect', () => void close().finally(() => process.exit(0)))
}

main().catch((error: unknown) => {
  console.error('bench child failed:', error)
  process.exit(1)
})
