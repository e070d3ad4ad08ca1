/**
 * The bench page: opens an Accord replica (the app's worker entry, a SharedWorker or a dedicated
 * Worker) and a raw-baseline worker of the same kind, and exposes every browser measurement as
 * `window.bench`. Each measurement loop runs inside the page, so the harness's round trips
 * (Playwright → page) never fall inside a timed span.
 */
import { openReplica, type Replica } from '@accord/client'
import * as Comlink from 'comlink'
import { makeItem, schema, type Item } from '../src/schema.js'
import type { BenchPage, WorkerKind } from './bench-api.js'
import type { IdbCounts, RawQuery, RawWorkerApi } from './raw-api.js'

let db: Replica<typeof schema> | undefined
let raw: Comlink.Remote<RawWorkerApi> | undefined

function accord(): Replica<typeof schema> {
  if (!db) throw new Error('openAccord() first')
  return db
}
function rawApi(): Comlink.Remote<RawWorkerApi> {
  if (!raw) throw new Error('openRaw() first')
  return raw
}

function startWorker(file: string, kind: WorkerKind, name: string): Worker | SharedWorker {
  const url = new URL(file, location.href)
  return kind === 'shared' ? new SharedWorker(url, { type: 'module', name }) : new Worker(url, { type: 'module', name })
}

const now = (): number => performance.timeOrigin + performance.now()

/** Arrivals of watched values by title, and their waiters (P4). */
const arrivals = { accord: new Map<string, number>(), raw: new Map<string, number>() }
const waiters = new Map<string, () => void>()
function arrived(kind: 'accord' | 'raw', title: string): void {
  if (arrivals[kind].has(title)) return
  arrivals[kind].set(title, now())
  waiters.get(`${kind}:${title}`)?.()
}

const bench: BenchPage = {
  async openAccord({ name, worker, hub, strict }) {
    db = await openReplica({
      name,
      schema,
      worker: () => startWorker('./accord-worker.js', worker, 'accord'),
      ...(hub ? { hub: { url: hub.url, space: hub.space, token: null } } : {}),
      strictDurability: strict,
    })
    return db.replicaId
  },
  async openRaw({ name, worker, durability }) {
    const w = startWorker('./raw-worker.js', worker, 'raw')
    raw = Comlink.wrap<RawWorkerApi>(w instanceof SharedWorker ? w.port : w)
    await raw.open(name, durability)
  },
  async localWrites({ rounds, block, prefix }) {
    const items = accord().collection('items')
    const out = { accord: [] as number[], noop: [] as number[], dexie: [] as number[] }
    let i = 0
    for (let r = 0; r < rounds; r++) {
      for (let b = 0; b < block; b++) {
        const record = makeItem(i++, `${prefix}-a`)
        const t0 = performance.now()
        await items.put(record)
        out.accord.push(performance.now() - t0)
      }
      for (let b = 0; b < block; b++) {
        const t0 = performance.now()
        await rawApi().noop()
        out.noop.push(performance.now() - t0)
      }
      const records = Array.from({ length: block }, (_, k) => makeItem(i - block + k, `${prefix}-r`))
      out.dexie.push(...(await rawApi().putEach(records)))
    }
    return out
  },
  async accordImport({ count, chunk, prefix }) {
    const records = Array.from({ length: count }, (_, i) => makeItem(i, prefix))
    const t0 = performance.now()
    for (let i = 0; i < count; i += chunk) {
      const slice = records.slice(i, i + chunk)
      await accord().transaction(async (tx) => {
        const items = tx.collection('items')
        for (const record of slice) await items.put(record)
      })
    }
    return performance.now() - t0
  },
  async rawImport({ count, prefix }) {
    const records = Array.from({ length: count }, (_, i) => makeItem(i, prefix))
    const t0 = performance.now()
    await rawApi().bulkPut(records)
    return performance.now() - t0
  },
  liveQueries: (options) => measureLiveQueries(options),
  async propagateWrite({ key, title, raw: useRaw }) {
    const record = { ...makeItem(1, 'p4'), id: key, title }
    const t0 = now()
    if (useRaw) await rawApi().relayWrite(record)
    else await accord().collection('items').update(key, { title })
    return t0
  },
  async propagateWatch({ key, raw: useRaw }) {
    if (useRaw) {
      await rawApi().onRelayed(Comlink.proxy((_id: string, title: string) => arrived('raw', title)))
      return
    }
    accord()
      .collection('items')
      .get$(key)
      .subscribe((value) => {
        if (value) arrived('accord', String(value.title))
      })
  },
  async propagateArrival({ title, raw: useRaw, timeoutMs }) {
    const kind = useRaw ? 'raw' : 'accord'
    const seen = arrivals[kind].get(title)
    if (seen !== undefined) return seen
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${kind} ${title} did not arrive in ${timeoutMs} ms`)), timeoutMs)
      waiters.set(`${kind}:${title}`, () => {
        clearTimeout(timer)
        resolve()
      })
    })
    return arrivals[kind].get(title) as number
  },
  async put(record) {
    await accord().collection('items').put(record)
  },
  pause: () => accord().pause(),
  async resumeAndCatchUp() {
    const t0 = performance.now()
    await accord().resume()
    await accord().flush()
    return performance.now() - t0
  },
  flush: () => accord().flush(),
  status() {
    const s = accord().status
    return { connection: s.connection, pending: s.pending, cursor: s.cursor }
  },
  async count() {
    return (await accord().collection('items').find({})).length
  },
  rawConnect: (url, space) => rawApi().connect(url, space),
  rawPullAll: (limit) => rawApi().pullAll(limit),
  rawBulkPutGenerated: (count, prefix, chunk) => rawApi().bulkPutGenerated(count, prefix, chunk),
  rawFillMap: (count, prefix) => rawApi().fillMap(count, prefix),
  rawCatchUpFloors: (count, prefix, page, reps) => rawApi().catchUpFloors(count, prefix, page, reps),
  rawWriteFloors: (rounds) => rawApi().writeFloors(rounds),
  rawImportFloors: (count, chunk, reps) => rawApi().importFloors(count, chunk, reps),
  idbCounts: (worker, reset) => readIdbCounts(worker, reset),
  async close() {
    await db?.close()
    await raw?.close()
  },
}

async function readIdbCounts(worker: 'accord' | 'raw', reset: boolean): Promise<IdbCounts> {
  const channel = new BroadcastChannel(`bench-idb-trace:${worker}`)
  try {
    const counts = await new Promise<IdbCounts>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no IndexedDB counts from the ${worker} worker`)), 5000)
      channel.onmessage = (event: MessageEvent<{ type: string; counts: IdbCounts }>) => {
        if (event.data.type !== 'counts') return
        clearTimeout(timer)
        resolve(event.data.counts)
      }
      channel.postMessage({ type: 'read' })
    })
    if (reset) channel.postMessage({ type: 'reset' })
    return counts
  } finally {
    setTimeout(() => channel.close(), 100)
  }
}

/**
 * P3: 100 live queries over `records` records in 100 lists; 5 of them (distinct conditions) cover
 * list-0, the other 95 one other list each. Each round updates the title of a list-0 record that
 * all 5 contain and times the write until the 5th affected query has delivered the new title to
 * this page. Accord: `find$` (worker → page over Comlink). Raw: Dexie liveQuery in the raw worker,
 * results pushed to the page through a Comlink callback.
 */
async function measureLiveQueries({ records, rounds }: { records: number; rounds: number }): Promise<{ accord: number[]; raw: number[]; spurious: { accord: number; raw: number } }> {
  const all = Array.from({ length: records }, (_, i) => makeItem(i, 'p3'))
  for (let i = 0; i < all.length; i += 500) {
    const slice = all.slice(i, i + 500)
    await accord().transaction(async (tx) => {
      for (const r of slice) await tx.collection('items').put(r)
    })
  }
  await rawApi().bulkPut(all)
  const rawQueries: RawQuery[] = [
    { listIds: ['list-0'] },
    { listIds: ['list-0', 'list-1'] },
    { listIds: ['list-0'], done: false },
    { listIds: ['list-0'], minRank: 0 },
    { listIds: ['list-0', 'list-2'] },
    ...Array.from({ length: 95 }, (_, j) => ({ listIds: [`list-${j + 5}`] })),
  ]
  const accordQueries = rawQueries.map((q) => {
    const where: Record<string, unknown> = { listId: q.listIds.length === 1 ? q.listIds[0] : { in: q.listIds } }
    if (q.done !== undefined) where.done = q.done
    if (q.minRank !== undefined) where.rank = { gte: q.minRank }
    return { where }
  })
  // list-0 records that every affected query holds (done: false).
  const targets = all.filter((r) => r.listId === 'list-0' && !r.done).map((r) => r.id)

  type Seen = { title: string | undefined; at: number }
  const run = async (subscribe: (onResult: (index: number, rows: Item[]) => void) => Promise<() => void>, write: (id: string, title: string) => Promise<void>, tag: string): Promise<{ times: number[]; spurious: number }> => {
    const latest: Seen[] = rawQueries.map(() => ({ title: undefined, at: 0 }))
    let pending: { id: string; title: string; resolve: () => void } | undefined
    let emissions = 0
    const onResult = (index: number, rows: Item[]): void => {
      emissions += 1
      const title = pending ? rows.find((r) => r.id === pending?.id)?.title : undefined
      latest[index] = { title, at: performance.now() }
      if (pending && latest.slice(0, 5).every((s) => s.title === pending?.title)) pending.resolve()
    }
    const stop = await subscribe(onResult)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const times: number[] = []
    let unaffected = 0
    for (let r = 0; r < rounds; r++) {
      const id = targets[r % targets.length] as string
      const title = `${tag}-${r}`
      const before = emissions
      const done = new Promise<void>((resolve) => (pending = { id, title, resolve }))
      const t0 = performance.now()
      await write(id, title)
      await done
      times.push(performance.now() - t0)
      pending = undefined
      await new Promise((resolve) => setTimeout(resolve, 20))
      unaffected += emissions - before - 5
    }
    stop()
    return { times, spurious: unaffected / rounds }
  }

  const accordResult = await run(
    async (onResult) => {
      const subs = accordQueries.map((q, index) => accord().collection('items').find$(q as never).subscribe((rows) => onResult(index, rows as Item[])))
      return () => subs.forEach((s) => s.unsubscribe())
    },
    (id, title) => accord().collection('items').update(id, { title }),
    'accord',
  )
  const rawResult = await run(
    async (onResult) => {
      await rawApi().watch(rawQueries, Comlink.proxy(onResult))
      return () => void rawApi().unwatchAll()
    },
    async (id, title) => {
      const record = all.find((r) => r.id === id) as Item
      await rawApi().put({ ...record, title })
    },
    'raw',
  )
  return { accord: accordResult.times, raw: rawResult.times, spurious: { accord: accordResult.spurious, raw: rawResult.spurious } }
}

;(window as unknown as { bench: BenchPage }).bench = bench
document.title = 'bench ready'
