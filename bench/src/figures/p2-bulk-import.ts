/**
 * P2 — bulk import of 10k and 100k ~200 B records on the page. Accord: `db.transaction` with 500
 * puts each (the hub's default batchChanges: a larger local transaction could never sync), one
 * after the other. Baseline: raw Dexie `bulkPut` of the same records in one call, also from the
 * page through Comlink to a worker (the records cross the same boundary). Throughput ratio.
 */
import { openPersistentTab, withWorkerProfile } from '../browser/harness.js'
import type { Figure, FigureModule, RunContext } from '../lib/figure.js'
import { toFloors } from '../lib/floors.js'
import { round } from '../lib/stats.js'
import { perWrite } from './p1-local-write.js'

const TARGET = 0.8
const CHUNK = 500

export const p2: FigureModule = {
  ids: ['P2'],
  title: 'bulk import',
  needsBrowser: true,
  async run(ctx) {
    const sizes = ctx.quick ? [2_000] : [10_000, 100_000]
    const figures: Figure[] = []
    for (const count of sizes) figures.push(await importOnce(ctx, count))
    return figures
  },
}

async function importOnce(ctx: RunContext, count: number): Promise<Figure> {
  const tab = await openPersistentTab(ctx)
  try {
    await tab.call('openAccord', { name: `p2-${count}`, worker: 'shared', strict: true })
    await tab.call('openRaw', { name: `p2-raw-${count}`, worker: 'shared', durability: 'strict' })
    // Raw first, then Accord: each into an empty database.
    await tab.call('idbCounts', 'accord', true)
    const rawMs = await tab.call('rawImport', { count, prefix: 'p2' })
    const accordMs = await withWorkerProfile(ctx, tab, `p2-${count}-accord-worker`, () => tab.call('accordImport', { count, chunk: CHUNK, prefix: 'p2' }))
    const idb = perWrite(await tab.call('idbCounts', 'accord', true), count)
    const floors = toFloors(await tab.call('rawImportFloors', count, CHUNK, count <= 10_000 ? 3 : 1), count)
    const accordRate = (count / accordMs) * 1000
    const rawRate = (count / rawMs) * 1000
    const ratio = accordRate / rawRate
    return {
      id: 'P2',
      title: 'bulk import throughput',
      case: `${count.toLocaleString('en')} records, ${CHUNK} per transaction`,
      durability: "IndexedDB on disk (persistent profile), durability 'strict' for both",
      measured: {
        unit: 'records/s',
        value: round(accordRate),
        n: count,
        what: `page: ${count / CHUNK} × db.transaction(${CHUNK} puts), sequential`,
        ms: round(accordMs),
        indexedDbPerRecord: idb,
      },
      baseline: { unit: 'records/s', value: round(rawRate), n: count, what: 'page → Comlink → raw Dexie bulkPut of all records in one call', ms: round(rawMs) },
      ratio: { value: round(ratio) },
      target: { text: `≥ ${TARGET}× baseline`, met: ratio >= TARGET },
      floors,
      detail: {
        floorsOver: `raw Dexie in the worker, no Comlink, the same ${count} records and their put changes; median of ${count <= 10_000 ? 3 : 1} run(s), designs in alternating order, a fresh database each; ratio = throughput ÷ one bulkPut of the values`,
      },
    }
  } finally {
    await tab.close()
  }
}
