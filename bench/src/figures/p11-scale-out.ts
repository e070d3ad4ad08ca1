/**
 * S1, S2 — scale-out (issue 7): hub ingest and fan-out with 1, 2 and 3 hub processes on one
 * PostgreSQL store, broadcasts crossing processes through the Socket.IO Redis adapter, with the CPU
 * of every process involved.
 *
 *   S1  ingest, changes/s: W writers round-robin over K hubs, all in one space (its batches
 *       serialize on the space's counter row: no scaling expected) or one space each (the case
 *       that can scale). Baseline: K = 1 of the same run; for K = 1 itself, node-postgres inserting
 *       the same rows with the same per-batch counter-row update (pg-raw.ts).
 *   S2  fan-out, one write to R receivers round-robin over K hubs: write → delivered, p50/p99.
 *       Baseline: K = 1 of the same run.
 *
 * Everything runs on this machine: on 2 cores, the hubs, the bench process driving every client,
 * PostgreSQL and Redis share two cores, which bounds what more processes can add. The CPU column
 * says where the cores went, and the CPU time per change (per write) says what each K costs
 * whatever other sessions left free. The three clusters (each on a fresh schema, dropped at the
 * end) run side by side and take turns: ingest runs in the orders 1-2-3, 3-2-1, …, fan-out in
 * blocks of writes likewise, so drifting load hits every K alike (an idle hub costs no CPU).
 */
import { startChild, type Child } from '../lib/child.js'
import type { Figure, FigureModule, RunContext, SkippedFigure } from '../lib/figure.js'
import { distribution, round } from '../lib/stats.js'
import type { CpuReading } from '../node/cpu-meter.js'
import { startHubClusters, type HubCluster } from '../node/hub-cluster.js'
import type { PgRawResult } from '../node/pg-raw.js'
import { unavailableServices, where, PG_URL, REDIS_URL } from '../node/services.js'
import { FanOutSide, type FanOutRun } from './scale/fan-out.js'
import { ingestOnce, rawInsert, warmCluster, type IngestRun, type IngestShape, type Layout } from './scale/ingest.js'

const TITLE = 'scale-out: 1–3 hub processes, PostgreSQL + Redis'
const IDS = ['S1', 'S2']
const HUB_COUNTS = [1, 2, 3]
const LAYOUTS: Layout[] = ['one-space', 'space-per-writer']
const NO_TARGET = { text: 'none (reported)', met: null }
const DURABILITY = 'PostgreSQL, synchronous_commit on: each batch durable (WAL flushed) before its ack and broadcast'

interface Sizes {
  writers: number
  /** Pushes in flight per writer. */
  window: number
  batch: number
  /** Changes per ingest run; each K runs `turns` of them per layout. */
  chunk: number
  turns: number
  warmChanges: number
  receivers: number
  /** Fan-out writes per K, measured in blocks of `block` rounds. */
  rounds: number
  block: number
}

const FULL: Sizes = { writers: 6, window: 2, batch: 100, chunk: 10_000, turns: 5, warmChanges: 2_000, receivers: 300, rounds: 150, block: 10 }
const QUICK: Sizes = { writers: 6, window: 2, batch: 100, chunk: 6_000, turns: 2, warmChanges: 500, receivers: 100, rounds: 40, block: 10 }

export const p11: FigureModule = {
  ids: IDS,
  title: TITLE,
  async run(ctx) {
    const missing = await unavailableServices()
    if (missing) return IDS.map((id): SkippedFigure => ({ id, title: TITLE, skipped: missing }))
    const sizes = ctx.quick ? QUICK : FULL
    const wants = (id: string): boolean => !ctx.only || ctx.only.has(id)
    const results = new Map<number, KResults>(HUB_COUNTS.map((k) => [k, { ingest: new Map(), raw: new Map(), fanOut: undefined }]))
    ctx.log(`S1/S2: starting clusters of ${HUB_COUNTS.join(', ')} hub processes…`)
    const t0 = performance.now()
    const since = (): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`
    const clusters = await startHubClusters(HUB_COUNTS, 'scale')
    try {
      for (const cluster of clusters) await warmCluster(cluster, sizes.warmChanges, sizes.batch)
      ctx.log(`S1/S2: clusters up and warm at ${since()}`)
      if (wants('S1')) await measureIngest(ctx, sizes, clusters, results)
      if (wants('S2')) await measureFanOut(ctx, sizes, clusters, results)
      ctx.log(`S1/S2: measured at ${since()}`)
    } finally {
      await Promise.allSettled(clusters.map((cluster) => cluster.stop()))
    }
    const figures: Figure[] = []
    if (wants('S1')) for (const layout of LAYOUTS) figures.push(...ingestRows(sizes, layout, results))
    if (wants('S2')) figures.push(...fanOutRows(sizes, results))
    return figures
  },
}

interface KResults {
  ingest: Map<Layout, IngestRun[]>
  raw: Map<Layout, PgRawResult[]>
  fanOut: FanOutRun | undefined
}

/** Turn t runs K = 1, 2, 3 (t even) or 3, 2, 1 (t odd): drift in the machine's load hits every K alike. */
function turnOrder<T>(items: readonly T[], turn: number): T[] {
  return turn % 2 === 0 ? [...items] : [...items].reverse()
}

async function measureIngest(ctx: RunContext, sizes: Sizes, clusters: HubCluster[], results: Map<number, KResults>): Promise<void> {
  const { child: rawChild } = await startChild({ type: 'pg-raw' })
  try {
    await ingestTurns(ctx, sizes, clusters, results, rawChild)
  } finally {
    await rawChild.stop()
  }
}

async function ingestTurns(ctx: RunContext, sizes: Sizes, clusters: HubCluster[], results: Map<number, KResults>, rawChild: Child): Promise<void> {
  for (const layout of LAYOUTS) {
    ctx.log(`S1: ingest, ${layout}, ${sizes.turns} turns of K = ${HUB_COUNTS.join(', ')}…`)
    const shape = ingestShape(sizes, layout)
    for (let turn = 0; turn < sizes.turns; turn++) {
      for (const cluster of turnOrder(clusters, turn)) {
        const k = cluster.hubs.length
        const into = results.get(k) as KResults
        const run = await ingestOnce(cluster, shape, `t${turn}`)
        push(into.ingest, layout, run)
        // The raw floor of the rows K = 1 just wrote, right after its run.
        if (k === 1) push(into.raw, layout, await rawInsert(rawChild, cluster, shape, run.spaces))
      }
    }
  }
}

async function measureFanOut(ctx: RunContext, sizes: Sizes, clusters: HubCluster[], results: Map<number, KResults>): Promise<void> {
  ctx.log(`S2: fan-out to ${sizes.receivers} receivers per cluster, blocks of ${sizes.block} writes alternating between K = ${HUB_COUNTS.join(', ')}…`)
  const sides: FanOutSide[] = []
  try {
    for (const cluster of clusters) sides.push(await FanOutSide.open(cluster, sizes.receivers, 'fanout'))
    const blocks = Math.ceil(sizes.rounds / sizes.block)
    for (let b = 0; b < blocks; b++) {
      const rounds = Math.min(sizes.block, sizes.rounds - b * sizes.block)
      for (const side of turnOrder(sides, b)) await side.block(rounds)
    }
  } finally {
    for (const side of sides) {
      const run = await side.close().catch(() => undefined)
      const into = results.get(side.cluster.hubs.length)
      if (into && run) into.fanOut = run
    }
  }
}

function ingestShape(sizes: Sizes, layout: Layout): IngestShape {
  return { layout, writers: sizes.writers, window: sizes.window, batch: sizes.batch, total: sizes.chunk }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key) ?? []
  list.push(value)
  map.set(key, list)
}

/** Throughput over several runs: every change over all their time (each run weighs by its length). */
function pooledRate(runs: ReadonlyArray<{ ms: number }>, perRun: number): number {
  return ((perRun * runs.length) / runs.reduce((sum, r) => sum + r.ms, 0)) * 1000
}

/** Cores busy over several windows, weighted by their length; each process rounded. */
function pooledCpu(readings: readonly CpuReading[]): Record<string, number> {
  const wall = readings.reduce((sum, r) => sum + r.wallMs, 0)
  const out: Record<string, number> = {}
  for (const reading of readings) {
    for (const [name, cores] of Object.entries(reading.cores)) out[name] = (out[name] ?? 0) + (cores * reading.wallMs) / wall
  }
  return Object.fromEntries(Object.entries(out).map(([name, cores]) => [name, round(cores)]))
}

/**
 * CPU time per unit of work (per change, per write) of the hubs together and of each other
 * process: unlike cores busy, it does not move with how much CPU other sessions left free, so it
 * is what compares K = 1, 2, 3 on a shared machine. `scale` 1000 gives µs from ms; the hubs are
 * summed unless `perHub`.
 */
function cpuPerUnit(readings: readonly CpuReading[], units: number, scale: number, perHub = false): Record<string, number> {
  const ms: Record<string, number> = {}
  for (const reading of readings) {
    for (const [name, cores] of Object.entries(reading.cores)) {
      if (name === 'machine' || name === 'others') continue
      const key = !perHub && /^hub\d+$/.test(name) ? 'hubs' : name
      ms[key] = (ms[key] ?? 0) + cores * reading.wallMs
    }
  }
  return Object.fromEntries(Object.entries(ms).map(([name, total]) => [name, round((total * scale) / Math.max(1, units))]))
}

function hubsLabel(k: number): string {
  return `${k} hub${k > 1 ? 's' : ''}`
}

function ingestRows(sizes: Sizes, layout: Layout, results: Map<number, KResults>): Figure[] {
  const spaces = layout === 'one-space' ? '1 space' : `${sizes.writers} spaces (1 per writer)`
  const load = `${sizes.turns} × ${sizes.chunk.toLocaleString('en')} puts, ${sizes.batch}/push, ${sizes.writers} writers × ${sizes.window}`
  const reference = results.get(1)?.ingest.get(layout) ?? []
  const referenceRate = pooledRate(reference, sizes.chunk)
  return HUB_COUNTS.map((k): Figure => {
    const runs = results.get(k)?.ingest.get(layout) ?? []
    const rate = pooledRate(runs, sizes.chunk)
    const raw = k === 1 ? (results.get(1)?.raw.get(layout) ?? []) : []
    const rawRate = raw.length ? pooledRate(raw, sizes.chunk) : Number.NaN
    const baseline: Figure['baseline'] =
      k === 1
        ? {
            unit: 'rows/s',
            value: round(rawRate),
            n: sizes.chunk * raw.length,
            what: `node-postgres, ${sizes.writers} connections: the hub's own rows again, ${sizes.batch} per transaction, each transaction updating its space's counter row then inserting (unnest), into fresh tables of the same shape; pooled over ${raw.length} run(s), each right after its K=1 run`,
            runs: raw.map((r) => ({ rowsPerSecond: round(r.rowsPerSecond), ms: round(r.ms) })),
          }
        : { unit: 'changes/s', value: round(referenceRate), n: sizes.chunk * reference.length, what: 'the same load on 1 hub process, in turns alternating with this one' }
    const ratio = k === 1 ? rate / rawRate : rate / referenceRate
    return {
      id: 'S1',
      title: `hub ingest, changes/s, ${hubsLabel(k)} on one PostgreSQL (${spaces})`,
      case: `${spaces}, ${hubsLabel(k)}: ${load}`,
      durability: DURABILITY,
      measured: {
        unit: 'changes/s',
        value: round(rate),
        n: sizes.chunk * runs.length,
        what: `first push sent → last ack received; Node socket.io-clients, writer i on hub i mod ${k}, Redis adapter; every change over all the time of ${runs.length} runs, taken in turns with the other K`,
        cpuUsPerChange: cpuPerUnit(runs.map((r) => r.cpu), sizes.chunk * runs.length, 1000),
        runs: runs.map((r) => ({ changesPerSecond: round(r.changesPerSecond), ms: round(r.ms), cpuCoresBusy: roundAll(r.cpu.cores), store: roundAll(r.store) })),
      },
      baseline,
      ratio: { value: round(ratio) },
      target: NO_TARGET,
      notes: [
        k === 1 ? 'ratio = hub ÷ raw PostgreSQL inserts' : 'ratio = this K ÷ K=1 (scaling)',
        layout === 'one-space'
          ? 'expected ≤ 1× for K > 1: a space commits one batch at a time cluster-wide (counter row lock), and a batch decided on a head another process moved is decided again (headMovedRetries)'
          : 'the case that can scale: spaces commit independently; bounded by the 2 cores the hubs share with this process and PostgreSQL',
      ],
      cpu: pooledCpu(runs.map((r) => r.cpu)),
      detail: { services: { postgres: where(PG_URL), redis: where(REDIS_URL) } },
    }
  })
}

function fanOutRows(sizes: Sizes, results: Map<number, KResults>): Figure[] {
  const reference = distribution(results.get(1)?.fanOut?.samples ?? [])
  return HUB_COUNTS.flatMap((k): Figure[] => {
    const run = results.get(k)?.fanOut
    if (!run) return []
    const all = distribution(run.samples)
    const local = distribution(run.local)
    const remote = distribution(run.remote)
    const pushToEmit = distribution(run.pushToEmit)
    const cpu = pooledCpu(run.cpu)
    return [{
      id: 'S2',
      title: `fan-out of one write, ${hubsLabel(k)} on one PostgreSQL + Redis`,
      case: `${sizes.receivers} receivers over ${hubsLabel(k)}, ${run.rounds} writes`,
      durability: DURABILITY,
      measured: {
        unit: 'ms',
        p50: round(all.p50),
        p99: round(all.p99),
        n: all.n,
        what: `writer's emit (push of a single-field patch, writer on hub 1) → each receiver's handler; receiver i on hub i mod ${k}; all clients in this process (one clock); durable commit included; blocks of ${sizes.block} writes alternating with the other K`,
        onWritersHub: { p50: round(local.p50), p99: round(local.p99), n: local.n },
        onOtherHubs: k > 1 ? { p50: round(remote.p50), p99: round(remote.p99), n: remote.n } : null,
        hubPushToEmitMs: { p50: round(pushToEmit.p50), p99: round(pushToEmit.p99) },
        cpuMsPerWrite: cpuPerUnit(run.cpu, run.rounds, 1, true),
      },
      baseline:
        k === 1
          ? null
          : { unit: 'ms', p50: round(reference.p50), p99: round(reference.p99), n: reference.n, what: 'the same writes and receivers on 1 hub process, same run' },
      ratio: k === 1 ? null : { p50: round(all.p50 / reference.p50), p99: round(all.p99 / reference.p99) },
      target: NO_TARGET,
      notes: ['ratio = this K ÷ K=1; K=1 is the reference (P6 compares one hub with a bare Socket.IO relay)'],
      cpu,
    }]
  })
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([name, v]) => [name, round(v)]))
}
