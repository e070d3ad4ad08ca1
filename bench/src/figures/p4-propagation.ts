/**
 * P4 — propagation A → hub → B between two browser contexts (two Chromium processes, each its own
 * persistent profile, one SharedWorker replica each, on one hub). Timed: A's `update()` call →
 * B's `get$` emits the new value, each instant on its page's clock (performance.timeOrigin +
 * now: both on the machine's monotonic clock, so a constant offset between the two processes,
 * if any, cancels in measured − baseline, which is what the target bounds). Baseline, rounds
 * interleaved with Accord's: A's raw worker puts the record in IndexedDB and emits it to a bare
 * Socket.IO relay; B's raw worker receives it, puts it, and calls B's page over Comlink.
 * Target: p50 ≤ baseline p50 + 1 ms; p99 ≤ baseline p99 + 3 ms.
 */
import { join } from 'node:path'
import { openPersistentTab, withWorkerProfile, type BenchTab } from '../browser/harness.js'
import { startChild, type Child } from '../lib/child.js'
import type { FigureModule } from '../lib/figure.js'
import { distribution, round } from '../lib/stats.js'
import type { BroadcastInstants } from '../node/server-process.js'
import type { StoreTimings } from '../node/timed-store.js'
import { makeItem } from '../schema.js'

const SPACE = 'propagation'

export const p4: FigureModule = {
  ids: ['P4'],
  title: 'propagation A → hub → B',
  needsBrowser: true,
  async run(ctx) {
    const children: Child[] = []
    const tabs: BenchTab[] = []
    try {
      const hub = await startChild({ type: 'hub', dbPath: join(ctx.tmp, 'p4-hub.db') })
      children.push(hub.child)
      const relay = await startChild({ type: 'relay' })
      children.push(relay.child)
      const hubUrl = `http://127.0.0.1:${String(hub.ready.port)}`
      const relayUrl = `http://127.0.0.1:${String(relay.ready.port)}`
      const a = await openPersistentTab(ctx)
      tabs.push(a)
      const b = await openPersistentTab(ctx)
      tabs.push(b)
      for (const [tab, name] of [[a, 'p4-a'], [b, 'p4-b']] as const) {
        await tab.call('openAccord', { name, worker: 'shared', hub: { url: hubUrl, space: SPACE }, strict: true })
        await tab.call('openRaw', { name: `${name}-raw`, worker: 'shared', durability: 'strict' })
        await tab.call('rawConnect', relayUrl, SPACE)
      }
      const key = makeItem(1, 'p4').id
      await a.call('put', makeItem(1, 'p4'))
      await a.call('flush')
      await b.call('flush')
      await b.call('propagateWatch', { key, raw: false })
      await b.call('propagateWatch', { key, raw: true })

      const rounds = ctx.quick ? 30 : 150
      const warmup = 5
      const accord: number[] = []
      const raw: number[] = []
      const accordRounds: { sent: number; arrived: number }[] = []
      await hub.child.request({ type: 'store-timings', reset: true })
      await hub.child.request({ type: 'broadcast-instants' })
      await withWorkerProfile(ctx, b, 'p4-receiver-accord-worker', async () => {
        for (let r = 0; r < rounds + warmup; r++) {
          for (const useRaw of [false, true]) {
            const title = `${useRaw ? 'raw' : 'accord'}-${r}`
            const sent = await a.call('propagateWrite', { key, title, raw: useRaw })
            const arrived = await b.call('propagateArrival', { title, raw: useRaw, timeoutMs: 10_000 })
            if (r >= warmup) (useRaw ? raw : accord).push(arrived - sent)
            if (!useRaw) accordRounds.push({ sent, arrived })
            await new Promise((resolve) => setTimeout(resolve, 20))
          }
        }
      })
      const store = await hub.child.request<StoreTimings>({ type: 'store-timings' })
      const stages = splitStages(accordRounds.slice(warmup), (await hub.child.request<BroadcastInstants[]>({ type: 'broadcast-instants' })).slice(warmup))
      const commit = store.commitBatch ? store.commitBatch.ms / store.commitBatch.calls : Number.NaN
      const m = distribution(accord)
      const base = distribution(raw)
      return [
        {
          id: 'P4',
          title: 'propagation A → hub → B',
          case: `two contexts, SharedWorker each, ${rounds} single-field updates`,
          durability: "browsers: IndexedDB on disk, 'strict'; hub: SQLite WAL synchronous=FULL; relay: none",
          measured: {
            unit: 'ms',
            p50: round(m.p50),
            p99: round(m.p99),
            n: m.n,
            what: "A: update() → B: get$ emits the new value (A's commit, push, hub decide + durable commit, broadcast, B's commit, B's live read)",
            hubCommitBatchMsMean: round(commit),
            ...(stages ? { stages } : {}),
          },
          baseline: {
            unit: 'ms',
            p50: round(base.p50),
            p99: round(base.p99),
            n: base.n,
            what: "A's worker: Dexie put → socket.io emit → relay → B's worker: Dexie put → Comlink call to B's page",
          },
          ratio: { p50: round(m.p50 / base.p50), p99: round(m.p99 / base.p99) },
          target: {
            text: `p50 ≤ baseline + 1 ms (${round(base.p50 + 1)}), p99 ≤ baseline + 3 ms (${round(base.p99 + 3)})`,
            met: m.p50 <= base.p50 + 1 && m.p99 <= base.p99 + 3,
          },
          notes: [
            `measured − baseline: p50 ${round(m.p50 - base.p50)} ms, p99 ${round(m.p99 - base.p99)} ms`,
            ...(stages ? [`p50 by part: sender ${stages.sender.p50} ms, hub ${stages.hub.p50} ms, receiver ${stages.receiver.p50} ms`] : []),
          ],
        },
      ]
    } finally {
      for (const tab of tabs) await tab.close()
      for (const child of children) await child.stop()
    }
  },
}

/** Medians of one propagation's three parts; undefined when the hub did not see one push per round. */
interface Stages {
  what: string
  sender: { p50: number; p99: number }
  hub: { p50: number; p99: number }
  receiver: { p50: number; p99: number }
}

/**
 * Splits each Accord round at the hub's push arrival and broadcast: A's part (update() → its push
 * reaches the hub: the local write, the outbox read, the emit), the hub's (decide, durable commit,
 * encode) and B's (the broadcast reaches B's worker, its commit, the live re-read, Comlink). The
 * three processes read one machine clock; the split is as exact as their `timeOrigin`s agree.
 */
function splitStages(rounds: readonly { sent: number; arrived: number }[], instants: readonly BroadcastInstants[]): Stages | undefined {
  if (rounds.length === 0 || rounds.length !== instants.length) return undefined
  const part = (f: (round: { sent: number; arrived: number }, at: BroadcastInstants) => number): { p50: number; p99: number } => {
    const d = distribution(rounds.map((r, i) => f(r, instants[i] as BroadcastInstants)))
    return { p50: round(d.p50), p99: round(d.p99) }
  }
  return {
    what: "ms: sender = update() → push at the hub; hub = push → broadcast emitted; receiver = broadcast → B's get$",
    sender: part((r, at) => at.pushArrived - r.sent),
    hub: part((_, at) => at.emitted - at.pushArrived),
    receiver: part((r, at) => r.arrived - at.emitted),
  }
}
