/**
 * P10 — the replica's worker heap with N records. A replica (SharedWorker) catches up N records
 * from the hub; its JS heap is read over the DevTools protocol after full garbage collections,
 * before (replica open, empty) and after (N records held), and sampled every 100 ms during the
 * catch-up (peak, no forced GC). Baseline: the raw worker's heap growth for the same N records as
 * plain objects in a Map. Target: growth ≤ 1.5× the Map's.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Change } from '@accord/core'
import { openPersistentTab, type BenchTab } from '../browser/harness.js'
import { WorkerInspector } from '../browser/worker-inspector.js'
import { startChild, type Child } from '../lib/child.js'
import type { FigureModule } from '../lib/figure.js'
import { round } from '../lib/stats.js'
import { WireClient } from '../node/wire-client.js'
import { makeItem } from '../schema.js'

const SPACE = 'heap'
const TARGET = 1.5
const MB = 1024 * 1024

export const p10: FigureModule = {
  ids: ['P10'],
  title: 'worker heap',
  needsBrowser: true,
  async run(ctx) {
    const count = ctx.quick ? 2_000 : 100_000
    const children: Child[] = []
    let tab: BenchTab | undefined
    let writer: WireClient | undefined
    const inspectors: WorkerInspector[] = []
    try {
      const hub = await startChild({ type: 'hub', dbPath: join(ctx.tmp, 'p10-hub.db') })
      children.push(hub.child)
      const hubUrl = `http://127.0.0.1:${String(hub.ready.port)}`
      tab = await openPersistentTab(ctx)
      await tab.call('openAccord', { name: 'p10', worker: 'shared', hub: { url: hubUrl, space: SPACE }, strict: true })
      await tab.call('openRaw', { name: 'p10-raw', worker: 'shared', durability: 'strict' })
      await tab.call('flush')
      await tab.call('pause')
      writer = await WireClient.connect(hubUrl, SPACE)
      for (let i = 0; i < count; i += 500) {
        const batch: Change[] = []
        for (let k = i; k < Math.min(count, i + 500); k++) {
          const item = makeItem(k, 'p10')
          batch.push(writer.change('put', item.id, item))
        }
        await writer.push(batch)
      }

      const accord = await WorkerInspector.attach(tab.page, 'accord-worker.js')
      inspectors.push(accord)
      const before = await accord.heapAfterGc()
      let peak = 0
      let sampling = true
      const sampler = (async () => {
        while (sampling) {
          const { usedSize } = await accord.send<{ usedSize: number }>('Runtime.getHeapUsage').catch(() => ({ usedSize: 0 }))
          peak = Math.max(peak, usedSize)
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      })()
      await tab.call('resumeAndCatchUp')
      sampling = false
      await sampler
      const after = await accord.heapAfterGc()
      if (ctx.profileDir) {
        writeFileSync(join(ctx.profileDir, 'p10-accord-worker.heapsnapshot'), await accord.heapSnapshot())
        ctx.log('heap snapshot written: p10-accord-worker.heapsnapshot')
      }

      const raw = await WorkerInspector.attach(tab.page, 'raw-worker.js')
      inspectors.push(raw)
      const rawBefore = await raw.heapAfterGc()
      await tab.call('rawFillMap', count, 'p10')
      const rawAfter = await raw.heapAfterGc()

      const growth = after - before
      const mapGrowth = rawAfter - rawBefore
      const ratio = growth / mapGrowth
      return [
        {
          id: 'P10',
          title: 'worker heap for N records',
          case: `${count.toLocaleString('en')} records held by the replica (after catch-up, idle)`,
          durability: 'n/a (IndexedDB on disk holds the records)',
          measured: {
            unit: 'MB',
            value: round(growth / MB),
            n: count,
            what: "Accord worker's used JS heap after GC: with N records − replica open and empty",
            heapBeforeMB: round(before / MB),
            heapAfterMB: round(after / MB),
            peakDuringCatchUpMB: round(peak / MB),
          },
          baseline: {
            unit: 'MB',
            value: round(mapGrowth / MB),
            n: count,
            what: "raw worker's used JS heap after GC: N records as plain objects in a Map − before",
          },
          ratio: { value: round(ratio) },
          target: { text: `≤ ${TARGET}× the Map`, met: ratio <= TARGET },
          notes: ['peak is sampled every 100 ms without forcing GC, so it includes garbage not yet collected'],
        },
      ]
    } finally {
      for (const inspector of inspectors) await inspector.detach()
      writer?.close()
      await tab?.close()
      for (const child of children) await child.stop()
    }
  },
}
