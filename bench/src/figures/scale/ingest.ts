/**
 * S1's measurement on one running cluster: W writers spread round-robin over its K hub processes
 * push new records (P5's load: `batch` per push, `window` pushes in flight per writer), either all
 * into one space or each into a space of its own; changes/s from the first push sent to the last
 * ack received, with every process's CPU over that window.
 */
import type { Child } from '../../lib/child.js'
import type { CpuReading } from '../../node/cpu-meter.js'
import type { HubCluster } from '../../node/hub-cluster.js'
import type { PgRawResult } from '../../node/pg-raw.js'
import { preparePushes, sendPushes } from '../../node/push-load.js'
import { PG_URL } from '../../node/services.js'
import type { StoreTimings } from '../../node/timed-store.js'
import { WireClient } from '../../node/wire-client.js'

export type Layout = 'one-space' | 'space-per-writer'

export interface IngestShape {
  layout: Layout
  writers: number
  /** Pushes each writer keeps in flight. */
  window: number
  batch: number
  total: number
}

export interface IngestRun {
  changesPerSecond: number
  ms: number
  cpu: CpuReading
  /** Summed over the hubs: what a push cost in the store, and how often a batch lost the space's head to another process. */
  store: { pushes: number; commitAttempts: number; headMovedRetries: number; readMsPerCall: number; commitMsPerAttempt: number }
  spaces: string[]
}

/** The spaces a run writes to: `tag` keeps runs of one cluster apart. */
export function spacesOf(shape: IngestShape, tag: string): string[] {
  return shape.layout === 'one-space' ? [`one-${tag}`] : Array.from({ length: shape.writers }, (_, w) => `w${w}-${tag}`)
}

/** One warm-up client per hub, each pushing into its own space, so every process has run the batch path before a measurement. */
export async function warmCluster(cluster: HubCluster, changes: number, batch: number): Promise<void> {
  const clients = await Promise.all(cluster.urls.map((url, h) => WireClient.connect(url, `warm-${h}`)))
  try {
    await sendPushes(clients, preparePushes(clients, changes * clients.length, batch, 'warm'), 2)
  } finally {
    for (const client of clients) client.close()
  }
}

export async function ingestOnce(cluster: HubCluster, shape: IngestShape, tag: string): Promise<IngestRun> {
  const spaces = spacesOf(shape, tag)
  const writers: WireClient[] = []
  try {
    for (let w = 0; w < shape.writers; w++) {
      writers.push(await WireClient.connect(cluster.urls[w % cluster.urls.length] as string, spaces[w % spaces.length] as string))
    }
    const pushes = preparePushes(writers, shape.total, shape.batch, 'item')
    await Promise.all(cluster.hubs.map((hub) => hub.request({ type: 'store-timings', reset: true })))
    const cpuWindow = await cluster.meter.start()
    const started = performance.now()
    await sendPushes(writers, pushes, shape.window)
    const ms = performance.now() - started
    const cpu = await cpuWindow.stop()
    const timings = await Promise.all(cluster.hubs.map((hub) => hub.request<StoreTimings>({ type: 'store-timings' })))
    return { changesPerSecond: (shape.total / ms) * 1000, ms, cpu, store: storeSummary(timings, pushes.flat().length), spaces }
  } finally {
    for (const writer of writers) writer.close()
  }
}

function storeSummary(perHub: StoreTimings[], pushes: number): IngestRun['store'] {
  const sum = (method: string, field: 'calls' | 'ms'): number => perHub.reduce((acc, t) => acc + (t[method]?.[field] ?? 0), 0)
  const attempts = sum('commitBatch', 'calls')
  return {
    pushes,
    commitAttempts: attempts,
    // Every push commits once; each further commitBatch found the head moved by another process.
    headMovedRetries: attempts - pushes,
    readMsPerCall: sum('readForDecision', 'ms') / Math.max(1, sum('readForDecision', 'calls')),
    commitMsPerAttempt: sum('commitBatch', 'ms') / Math.max(1, attempts),
  }
}

/**
 * The raw baseline: the run's rows inserted again by node-postgres, one connection per writer, in
 * `rawChild` (a `pg-raw` child started once for every raw run; see pg-raw.ts).
 */
export async function rawInsert(rawChild: Child, cluster: HubCluster, shape: IngestShape, spaces: string[]): Promise<PgRawResult> {
  const result = await rawChild.request<PgRawResult>({
    type: 'insert-rows',
    connectionString: PG_URL,
    schema: cluster.schema,
    spaces,
    lanes: shape.writers,
    batch: shape.batch,
    applicationName: `${cluster.applicationPrefix}-raw`,
  })
  if (result.rows !== shape.total) throw new Error(`the hubs stored ${result.rows} records of ${shape.total}`)
  return result
}
