/**
 * P3 — live-query update after a local write, with 100 live queries of which 5 are affected. The
 * page holds 100 `find$` subscriptions over 1,000 records in 100 lists; 5 (distinct conditions)
 * cover the written record. Timed: `update()` call → the 5th affected query has delivered the new
 * value to the page. Baseline: the same 100 queries as Dexie `liveQuery` in a raw worker, each
 * result pushed to the page through a Comlink callback, the write a raw Dexie `put`. Target: p50 ≤ 3 ms.
 */
import { openPersistentTab } from '../browser/harness.js'
import type { FigureModule } from '../lib/figure.js'
import { distribution, round } from '../lib/stats.js'

const TARGET_MS = 3

export const p3: FigureModule = {
  ids: ['P3'],
  title: 'live-query update',
  needsBrowser: true,
  async run(ctx) {
    const tab = await openPersistentTab(ctx)
    try {
      await tab.call('openAccord', { name: 'p3', worker: 'shared', strict: true })
      await tab.call('openRaw', { name: 'p3-raw', worker: 'shared', durability: 'strict' })
      const rounds = ctx.quick ? 30 : 150
      const r = await tab.call('liveQueries', { records: 1000, rounds })
      const accord = distribution(r.accord)
      const raw = distribution(r.raw)
      return [
        {
          id: 'P3',
          title: 'live-query update latency',
          case: `100 live queries, 5 affected, ${rounds} writes`,
          durability: "IndexedDB on disk, durability 'strict' for both writes",
          measured: {
            unit: 'ms',
            p50: round(accord.p50),
            p99: round(accord.p99),
            n: accord.n,
            what: 'page: update() → the 5 affected find$ have emitted the new value',
            extraEmissionsPerWrite: round(r.spurious.accord),
          },
          baseline: {
            unit: 'ms',
            p50: round(raw.p50),
            p99: round(raw.p99),
            n: raw.n,
            what: 'raw Dexie put in the worker → 5 affected Dexie liveQuery results pushed to the page via Comlink',
            extraEmissionsPerWrite: round(r.spurious.raw),
          },
          ratio: { p50: round(accord.p50 / raw.p50), p99: round(accord.p99 / raw.p99) },
          target: { text: `p50 ≤ ${TARGET_MS} ms`, met: accord.p50 <= TARGET_MS },
        },
      ]
    } finally {
      await tab.close()
    }
  },
}
