/**
 * P5 — hub ingest: changes per second through the real hub (Socket.IO, decider, SQLite store with
 * synchronous=FULL), pushed by Node clients in batches, against better-sqlite3 inserting the very
 * rows the hub wrote, in transactions of the same size, in a fresh file with the same settings.
 */
import { join } from 'node:path'
import { startChild } from '../lib/child.js'
import type { Figure, FigureModule, RunContext } from '../lib/figure.js'
import { median, round } from '../lib/stats.js'
import type { RawInsertResult } from '../node/sqlite-raw.js'
import type { StoreTimings } from '../node/timed-store.js'
import { preparePushes, sendPushes } from '../node/push-load.js'
import { WireClient } from '../node/wire-client.js'

const TARGET = 0.5

export const p5: FigureModule = {
  ids: ['P5'],
  title: 'hub ingest',
  async run(ctx) {
    return [await measureIngest(ctx, { batch: 100, clients: 2, window: 4 })]
  },
}

interface IngestShape {
  batch: number
  clients: number
  /** Pushes each client keeps in flight. */
  window: number
}

interface IngestRun {
  changesPerSecond: number
  ms: number
  cpu: { hub: number; clients: number }
  baseline: RawInsertResult
  store: StoreTimings
}

/**
 * Alternates hub run and baseline run `repeats` times (the disk's fsync latency drifts over
 * seconds; pairing keeps each ratio honest) and reports the medians.
 */
async function measureIngest(ctx: RunContext, shape: IngestShape): Promise<Figure> {
  const total = ctx.quick ? 5_000 : 50_000
  const repeats = 3
  const runs: IngestRun[] = []
  for (let r = 0; r < repeats; r++) runs.push(await ingestOnce(ctx, shape, total, r))
  // The transport floor: the same pushes through a bare Socket.IO server (no hub), after the pairs.
  const floors: TransportRun[] = []
  for (let r = 0; r < repeats; r++) floors.push(await transportOnce(shape, total))
  const perSecond = median(runs.map((r) => r.changesPerSecond))
  const rawPerSecond = median(runs.map((r) => r.baseline.rowsPerSecond))
  const ratio = median(runs.map((r) => r.changesPerSecond / r.baseline.rowsPerSecond))
  return {
    id: 'P5',
    title: 'hub ingest, changes/s (SQLite store)',
    case: `${total.toLocaleString('en')} puts, ${shape.batch}/push, ${shape.clients} clients × ${shape.window} in flight`,
    durability: 'SQLite WAL, synchronous=FULL (hub and baseline)',
    measured: {
      unit: 'changes/s',
      value: round(perSecond),
      n: total * repeats,
      what: `first push sent → last ack received, Node socket.io-client → hub process (validate, decide, store, broadcast to the room, ack); median of ${repeats} runs`,
      runs: runs.map((r) => ({
        changesPerSecond: round(r.changesPerSecond),
        ms: round(r.ms),
        cpuCoresBusy: { hub: round(r.cpu.hub), clients: round(r.cpu.clients) },
        msPerPush: perPush(r, total / shape.batch),
      })),
    },
    baseline: {
      unit: 'rows/s',
      value: round(rawPerSecond),
      n: total * repeats,
      what: `better-sqlite3 INSERT of the hub's own records rows into a fresh file, same table and indexes, ${shape.batch} rows per BEGIN IMMEDIATE transaction; median of ${repeats} runs, each right after its hub run`,
      runs: runs.map((r) => ({ rowsPerSecond: round(r.baseline.rowsPerSecond), ms: round(r.baseline.ms) })),
    },
    ratio: { value: round(ratio) },
    target: { text: `≥ ${TARGET}× baseline`, met: ratio >= TARGET },
    notes: ['ratio = median of the per-pair ratios'],
    detail: {
      // Per change, on the hub's process (all threads): CPU time and what it buys.
      hubCpuUsPerChange: median(runs.map((r) => round((r.cpu.hub * r.ms * 1000) / total))),
      transportFloor: {
        what: `the same pushes and window through a bare Socket.IO server: it parses each push, emits its changes to the room as one message and acks; no validation, decision or store. Median of ${repeats} runs, after the pairs`,
        changesPerSecond: round(median(floors.map((f) => f.changesPerSecond))),
        cpuUsPerChange: round(median(floors.map((f) => (f.cpu * f.ms * 1000) / total))),
        ratioToBaseline: round(median(floors.map((f) => f.changesPerSecond)) / rawPerSecond),
        runs: floors.map((f) => ({ changesPerSecond: round(f.changesPerSecond), cpuCoresBusy: round(f.cpu) })),
      },
    },
  }
}

interface TransportRun {
  changesPerSecond: number
  ms: number
  /** Cores busy in the server process. */
  cpu: number
}

/** One run of the pushes against the relay child's `push` (P5's transport floor). */
async function transportOnce(shape: IngestShape, total: number): Promise<TransportRun> {
  const { child: relay, ready } = await startChild({ type: 'relay' })
  const url = `http://127.0.0.1:${String(ready.port)}`
  const clients: WireClient[] = []
  try {
    for (let c = 0; c < shape.clients; c++) clients.push(await WireClient.connect(url, 'ingest'))
    await sendPushes(clients, preparePushes(clients, total / 5, shape.batch, 'warm'), shape.window)
    const pushes = preparePushes(clients, total, shape.batch, 'item')
    const cpu0 = await relay.request<NodeJS.CpuUsage>({ type: 'cpu' })
    const started = performance.now()
    await sendPushes(clients, pushes, shape.window)
    const ms = performance.now() - started
    const cpu1 = await relay.request<NodeJS.CpuUsage>({ type: 'cpu' })
    return { changesPerSecond: (total / ms) * 1000, ms, cpu: (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1000 / ms }
  } finally {
    for (const client of clients) client.close()
    await relay.stop()
  }
}

async function ingestOnce(ctx: RunContext, shape: IngestShape, total: number, run: number): Promise<IngestRun> {
  const dbPath = join(ctx.tmp, `p5-hub-${run}.db`)
  const profile = ctx.profileDir && run === 0 ? { cpuProfDir: ctx.profileDir } : {}
  const { child: hub, ready } = await startChild({ type: 'hub', dbPath }, profile)
  const url = `http://127.0.0.1:${String(ready.port)}`
  const clients: WireClient[] = []
  let ms: number
  let cpu: IngestRun['cpu']
  let store: StoreTimings
  try {
    for (let c = 0; c < shape.clients; c++) clients.push(await WireClient.connect(url, 'ingest'))
    const warm = await WireClient.connect(url, 'warmup')
    clients.push(warm)
    await sendPushes([warm], preparePushes([warm], total / 5, shape.batch, 'warm'), shape.window)
    const writers = clients.slice(0, shape.clients)
    const pushes = preparePushes(writers, total, shape.batch, 'item')

    const hubCpu0 = await hub.request<NodeJS.CpuUsage>({ type: 'cpu' })
    await hub.request({ type: 'store-timings', reset: true })
    const ownCpu0 = process.cpuUsage()
    const started = performance.now()
    await sendPushes(writers, pushes, shape.window)
    ms = performance.now() - started
    const hubCpu = await hub.request<NodeJS.CpuUsage>({ type: 'cpu' })
    const ownCpu = process.cpuUsage(ownCpu0)
    store = await hub.request<StoreTimings>({ type: 'store-timings' })
    cpu = {
      hub: (hubCpu.user + hubCpu.system - hubCpu0.user - hubCpu0.system) / 1000 / ms,
      clients: (ownCpu.user + ownCpu.system) / 1000 / ms,
    }
  } finally {
    for (const client of clients) client.close()
    await hub.stop()
  }

  const { child: raw } = await startChild({ type: 'sqlite-raw' })
  let baseline: RawInsertResult
  try {
    baseline = await raw.request<RawInsertResult>({
      type: 'insert-rows',
      source: dbPath,
      target: join(ctx.tmp, `p5-raw-${run}.db`),
      batch: shape.batch,
      synchronous: 'FULL',
      space: 'ingest',
    })
  } finally {
    await raw.stop()
  }
  if (baseline.rows !== total) throw new Error(`the hub stored ${baseline.rows} records of ${total}`)
  return { changesPerSecond: (total / ms) * 1000, ms, cpu, baseline, store }
}

/** Wall time per push inside the store (reads, the write transaction with its fsync) and outside it, and pushes per store write. */
function perPush(run: IngestRun, pushes: number): Record<string, number> {
  const ms = (method: string): number => run.store[method]?.ms ?? 0
  const total = run.ms / pushes
  const read = ms('readForDecision') / pushes
  const commit = ms('commitBatch') / pushes
  // Group commit writes the pushes waiting for the space together: how many shared each write.
  const pushesPerWrite = pushes / Math.max(1, run.store['commitBatch']?.calls ?? 0)
  return { total: round(total), readForDecision: round(read), commitBatch: round(commit), outsideStore: round(total - read - commit), pushesPerWrite: round(pushesPerWrite) }
}
