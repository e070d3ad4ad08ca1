/**
 * P1 — local write latency: `await collection.put(record)` on the page → Comlink → the replica's
 * SharedWorker → one IndexedDB transaction (value, outbox, state) committed → resolved. Local-only
 * replica (no hub), so background sync never shares the worker. Baseline in the same page, blocks
 * interleaved with Accord's: a Comlink no-op round trip to a raw SharedWorker, and a raw Dexie
 * `put` in that worker timed inside it (same durability). Target:
 *   p50 ≤ Comlink p50 + 1.15 × Dexie p50;  p99 ≤ Comlink p99 + 1.3 × Dexie p99.
 */
import { openPersistentTab, withWorkerProfile } from '../browser/harness.js'
import type { Figure, FigureModule } from '../lib/figure.js'
import { toFloors } from '../lib/floors.js'
import { distribution, round } from '../lib/stats.js'
import type { IdbCounts } from '../../browser/raw-api.js'

/** IndexedDB transactions and requests per write, from a worker's counters. */
export function perWrite(counts: IdbCounts, writes: number): Record<string, number> {
  const out: Record<string, number> = {
    readwriteTransactions: round(counts.transactions.readwrite / writes),
    readonlyTransactions: round(counts.transactions.readonly / writes),
    storesPerReadwriteTransaction: round(counts.readwriteStores / Math.max(1, counts.transactions.readwrite)),
  }
  for (const [method, n] of Object.entries(counts.requests).sort()) out[method] = round(n / writes)
  if (counts.readwriteMs !== undefined) out.readwriteTransactionMs = round(counts.readwriteMs / Math.max(1, counts.transactions.readwrite))
  return out
}

export const p1: FigureModule = {
  ids: ['P1'],
  title: 'local write latency',
  needsBrowser: true,
  async run(ctx) {
    const tab = await openPersistentTab(ctx)
    try {
      await tab.call('openAccord', { name: 'p1', worker: 'shared', strict: true })
      await tab.call('openRaw', { name: 'p1-raw', worker: 'shared', durability: 'strict' })
      await tab.call('localWrites', { rounds: 2, block: 20, prefix: 'warm' })
      const rounds = ctx.quick ? 10 : 50
      await tab.call('idbCounts', 'accord', true)
      await tab.call('idbCounts', 'raw', true)
      const r = await withWorkerProfile(ctx, tab, 'p1-accord-worker', () => tab.call('localWrites', { rounds, block: 20, prefix: 'p1' }))
      const idb = { accord: perWrite(await tab.call('idbCounts', 'accord', true), r.accord.length), raw: perWrite(await tab.call('idbCounts', 'raw', true), r.dexie.length) }
      const floors = toFloors(await tab.call('rawWriteFloors', ctx.quick ? 30 : 100))
      const accord = distribution(r.accord)
      const noop = distribution(r.noop)
      const dexie = distribution(r.dexie)
      const budget = { p50: noop.p50 + 1.15 * dexie.p50, p99: noop.p99 + 1.3 * dexie.p99 }
      const figure: Figure = {
        id: 'P1',
        title: 'local write latency',
        case: `put of a ~200 B record, ${accord.n} writes, SharedWorker, on disk`,
        durability: "IndexedDB on disk (persistent profile), transactions with durability 'strict' (Accord's default) for both",
        measured: {
          unit: 'ms',
          p50: round(accord.p50),
          p99: round(accord.p99),
          n: accord.n,
          what: 'page: await put() → resolved (worker commit included)',
          indexedDbPerWrite: idb.accord,
        },
        baseline: {
          unit: 'ms',
          p50: round(noop.p50 + dexie.p50),
          p99: round(noop.p99 + dexie.p99),
          n: dexie.n,
          what: 'Comlink no-op round trip + raw Dexie put timed in the worker (percentiles added)',
          comlinkNoop: { p50: round(noop.p50), p99: round(noop.p99) },
          dexiePut: { p50: round(dexie.p50), p99: round(dexie.p99) },
          indexedDbPerWrite: idb.raw,
        },
        ratio: { p50: round(accord.p50 / (noop.p50 + dexie.p50)), p99: round(accord.p99 / (noop.p99 + dexie.p99)) },
        floors,
        detail: {
          floorsOver: 'median ms of each design timed in the raw worker, `rounds` writes each, interleaved; ratio ÷ the bare put. A design reaches the p50 target only if its ratio is ≤ 1.15 (the target allows Comlink + 1.15 × the put)',
          impliedP50Ratio: Object.fromEntries(floors.map((f) => [f.name, round((noop.p50 + f.value) / (noop.p50 + (floors.find((x) => x.base)?.value ?? f.value)))])),
        },
        target: {
          text: `p50 ≤ Comlink + 1.15×Dexie (${round(budget.p50)}), p99 ≤ Comlink + 1.3×Dexie (${round(budget.p99)})`,
          met: accord.p50 <= budget.p50 && accord.p99 <= budget.p99,
        },
      }
      return [figure]
    } finally {
      await tab.close()
    }
  },
}
