/**
 * P7 — catch-up after offline. A replica (SharedWorker, persistent profile) pauses; a Node client
 * writes N records through the hub; the replica resumes and `flush()` resolves once it has caught
 * up. Two cases: the first sync of an empty replica (pages applied as they come), and N changed
 * records after it (pages staged, then applied in one transaction). Baseline, in the same page:
 * max(raw transfer, raw bulkPut), where raw transfer = a raw worker pulling the very same pages
 * (pulled once from the hub, re-served by a bare Socket.IO server, same page size), and raw
 * bulkPut = Dexie bulkPut of N records of the same shape in one call (into an empty table, then
 * over the same keys). Target ≤ 1.3×.
 */
import { join } from 'node:path'
import type { Change } from '@accord/core'
import { openPersistentTab, withWorkerProfile, type BenchTab } from '../browser/harness.js'
import { startChild, type Child } from '../lib/child.js'
import type { Figure, FigureModule } from '../lib/figure.js'
import { toFloors } from '../lib/floors.js'
import { round } from '../lib/stats.js'
import { perWrite } from './p1-local-write.js'
import { WireClient } from '../node/wire-client.js'
import { makeItem } from '../schema.js'

const SPACE = 'catchup'
const TARGET = 1.3
const PAGE = 500
const PUSH = 500
const FLOORS_OVER = 'raw Dexie in the raw worker, the same record shape, strict; a fresh database per design (the changed case filled first, untimed); ratio = time ÷ one bulkPut of the values. Transfer is not in them: the figure\'s baseline is max(transfer, bulkPut), and transfer is the smaller here'

export const p7: FigureModule = {
  ids: ['P7'],
  title: 'catch-up after offline',
  needsBrowser: true,
  async run(ctx) {
    const count = ctx.quick ? 2_000 : 100_000
    const children: Child[] = []
    let tab: BenchTab | undefined
    let writer: WireClient | undefined
    try {
      const hub = await startChild({ type: 'hub', dbPath: join(ctx.tmp, 'p7-hub.db') })
      children.push(hub.child)
      const relay = await startChild({ type: 'relay' })
      children.push(relay.child)
      const hubUrl = `http://127.0.0.1:${String(hub.ready.port)}`
      const relayUrl = `http://127.0.0.1:${String(relay.ready.port)}`
      tab = await openPersistentTab(ctx)
      await tab.call('openAccord', { name: 'p7', worker: 'shared', hub: { url: hubUrl, space: SPACE }, strict: true })
      await tab.call('openRaw', { name: 'p7-raw', worker: 'shared', durability: 'strict' })
      await tab.call('rawConnect', relayUrl, SPACE)
      await tab.call('flush')
      writer = await WireClient.connect(hubUrl, SPACE)
      const w = writer

      const catchUp = async (name: string, changes: (i: number) => Change): Promise<{ ms: number; head: number; idb: Record<string, number> }> => {
        await tab?.call('pause')
        let head = 0
        for (let i = 0; i < count; i += PUSH) {
          const batch = Array.from({ length: Math.min(PUSH, count - i) }, (_, k) => changes(i + k))
          head = (await w.push(batch)).seq
        }
        const t = tab as BenchTab
        await t.call('idbCounts', 'accord', true)
        const ms = await withWorkerProfile(ctx, t, `p7-${name}`, () => t.call('resumeAndCatchUp'))
        const idb = perWrite(await t.call('idbCounts', 'accord', true), count)
        const status = await t.call('status')
        if (status.cursor < head) throw new Error(`replica cursor ${status.cursor} below the hub head ${head} after flush`)
        return { ms, head, idb }
      }
      const first = await catchUp('first', (i) => {
        const item = makeItem(i, 'p7')
        return w.change('put', item.id, item)
      })
      const firstBase = await baseline(tab, relay.child, hubUrl, count, 'first')
      const changed = await catchUp('changed', (i) => {
        const item = makeItem(i, 'p7')
        return w.change('patch', item.id, { title: `${item.title} (changed)` }, { base: 0 })
      })
      const changedBase = await baseline(tab, relay.child, hubUrl, count, 'changed')
      // The layouts' floors at the figure's own size (a bulkPut's cost per record grows with N).
      const samples = await tab.call('rawCatchUpFloors', count, 'p7s', PAGE, count <= 10_000 ? 3 : 1)
      return [
        { ...figure(`first sync of ${count.toLocaleString('en')} records into an empty replica`, first, firstBase, count), floors: toFloors(samples.first), detail: { floorsOver: FLOORS_OVER } },
        { ...figure(`${count.toLocaleString('en')} changed records after offline`, changed, changedBase, count), floors: toFloors(samples.changed), detail: { floorsOver: FLOORS_OVER } },
      ]
    } finally {
      writer?.close()
      await tab?.close()
      for (const child of children) await child.stop()
    }
  },
}

interface Baseline {
  transferMs: number
  bulkPutMs: number
  pages: number
  bytes: number
}

async function baseline(tab: BenchTab | undefined, relay: Child, hubUrl: string, count: number, tag: string): Promise<Baseline> {
  if (!tab) throw new Error('no tab')
  const loaded = await relay.request<{ pages: number; bytes: number }>({ type: 'load-pages', url: hubUrl, space: SPACE, limit: PAGE })
  const transfer = await tab.call('rawPullAll', PAGE)
  if (transfer.records !== count) throw new Error(`raw transfer saw ${transfer.records} records, expected ${count}`)
  const bulkPutMs = await tab.call('rawBulkPutGenerated', count, 'p7', count)
  void tag
  return { transferMs: transfer.ms, bulkPutMs, pages: loaded.pages, bytes: loaded.bytes }
}

function figure(name: string, { ms, idb }: { ms: number; idb: Record<string, number> }, base: Baseline, count: number): Figure {
  const floor = Math.max(base.transferMs, base.bulkPutMs)
  const ratio = ms / floor
  return {
    id: 'P7',
    title: 'catch-up after offline',
    case: name,
    durability: "IndexedDB on disk, 'strict' for both; hub: SQLite (reads only)",
    measured: { unit: 'ms', value: round(ms), n: count, what: 'page: resume() → flush() resolved (pull pages, apply, cursor at head)',
      recordsPerSecond: round((count / ms) * 1000),
      indexedDbPerRecord: idb,
    },
    baseline: {
      unit: 'ms',
      value: round(floor),
      n: count,
      what: `max(raw transfer of the same ${base.pages} pages (${round(base.bytes / 1e6)} MB JSON) over socket.io, raw Dexie bulkPut of ${count} records)`,
      transferMs: round(base.transferMs),
      bulkPutMs: round(base.bulkPutMs),
    },
    ratio: { value: round(ratio) },
    target: { text: `≤ ${TARGET}×`, met: ratio <= TARGET },
  }
}
