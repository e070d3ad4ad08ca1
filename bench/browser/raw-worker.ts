/**
 * The raw baselines, in a worker of the same kind as the replica's: Dexie and socket.io-client
 * used directly, no Accord code. Exposed to the bench page over Comlink.
 */
import * as Comlink from 'comlink'
import { Dexie, liveQuery, type Subscription, type Table } from 'dexie'
import { io, type Socket } from 'socket.io-client'
import { makeItem, type Item } from '../src/schema.js'
import { installIdbTracer } from './idb-tracer.js'
import type { Durability, RawQuery, RawWorkerApi } from './raw-api.js'

installIdbTracer('raw')

let db: Dexie | undefined
let items: Table<Item, string> | undefined
let socket: Socket | undefined
const subscriptions: Subscription[] = []
/** P10's baseline: the records as plain objects, kept reachable. */
let held: Map<string, Item> | undefined

function table(): Table<Item, string> {
  if (!items) throw new Error('open() first')
  return items
}

function socketOf(): Socket {
  if (!socket) throw new Error('connect() first')
  return socket
}

function queryOf(query: RawQuery): () => Promise<Item[]> {
  return () => {
    const collection = query.listIds.length === 1 ? table().where('listId').equals(query.listIds[0] as string) : table().where('listId').anyOf(query.listIds)
    const filtered = query.done === undefined && query.minRank === undefined ? collection : collection.filter((r) => (query.done === undefined || r.done === query.done) && (query.minRank === undefined || r.rank >= query.minRank))
    return filtered.toArray()
  }
}

const api: RawWorkerApi = {
  noop() {},
  async open(name: string, durability: Durability) {
    db = new Dexie(name, { chromeTransactionDurability: durability })
    db.version(1).stores({ items: 'id, listId' })
    await db.open()
    items = db.table('items')
  },
  async putEach(records) {
    const times: number[] = []
    for (const record of records) {
      const t0 = performance.now()
      await table().put(record)
      times.push(performance.now() - t0)
    }
    return times
  },
  async put(record) {
    await table().put(record)
  },
  async bulkPut(records) {
    await table().bulkPut(records)
  },
  async bulkPutGenerated(count, prefix, chunk) {
    const records = Array.from({ length: count }, (_, i) => makeItem(i, prefix))
    const t0 = performance.now()
    for (let i = 0; i < records.length; i += chunk) await table().bulkPut(records.slice(i, i + chunk))
    return performance.now() - t0
  },
  async watch(queries, onResult) {
    queries.forEach((query, index) => {
      subscriptions.push(liveQuery(queryOf(query)).subscribe({ next: (rows) => void onResult(index, rows) }))
    })
  },
  unwatchAll() {
    for (const s of subscriptions.splice(0)) s.unsubscribe()
  },
  async connect(url, space) {
    socket = io(url, { auth: { space }, transports: ['websocket'], reconnection: false, forceNew: true })
    await new Promise<void>((resolve, reject) => {
      socketOf().once('welcome', () => resolve())
      socketOf().once('connect_error', reject)
    })
  },
  async relayWrite(record) {
    await table().put(record)
    socketOf().emit('relay', { record })
  },
  onRelayed(onApplied) {
    socketOf().on('commits', (message: { record?: Item }) => {
      const record = message.record
      if (!record) return
      void table()
        .put(record)
        .then(() => onApplied(record.id, record.title))
    })
  },
  async pullAll(limit) {
    const t0 = performance.now()
    let since = 0
    let pages = 0
    let records = 0
    for (;;) {
      const page = (await socketOf().timeout(60_000).emitWithAck('pull', { v: 1, since, limit })) as { records: unknown[]; until: number; more: boolean }
      pages += 1
      records += page.records.length
      since = page.until
      if (!page.more) break
    }
    return { ms: performance.now() - t0, pages, records }
  },
  async catchUpShapes(count, prefix, perRecordCount) {
    const shaped = new Dexie(`${prefix}-shapes-${Date.now()}`, { chromeTransactionDurability: 'strict' })
    shaped.version(1).stores({ items: 'id, listId', versions: '[col+key]', confirmed: '[col+key]', outbox: '[writer+n], [col+key], ord' })
    await shaped.open()
    const records = Array.from({ length: count }, (_, i) => makeItem(i, prefix))
    const versions = records.map((r, i) => ({ col: 'items', key: r.id, version: i + 1 }))
    const tables = ['items', 'versions', 'confirmed', 'outbox']
    let t0 = performance.now()
    await shaped.transaction('rw', tables, async () => {
      await shaped.table('items').bulkPut(records)
      await shaped.table('versions').bulkPut(versions)
    })
    const twoStoresMs = performance.now() - t0
    const again = records.slice(0, perRecordCount).map((r) => ({ ...r, title: `${r.title}!` }))
    t0 = performance.now()
    await shaped.transaction('rw', tables, async () => {
      for (let i = 0; i < again.length; i++) {
        const record = again[i] as Item
        await shaped.table('versions').put({ col: 'items', key: record.id, version: count + i + 1 })
        await shaped.table('items').put(record)
        await shaped.table('confirmed').delete(['items', record.id])
        await shaped.table('outbox').where('[col+key]').equals(['items', record.id]).toArray()
      }
    })
    const perRecordMs = performance.now() - t0
    shaped.close()
    await Dexie.delete(shaped.name)
    return { twoStoresMs, perRecordMs }
  },
  async writeShapes(rounds) {
    const shaped = new Dexie(`write-shapes-${Date.now()}`, { chromeTransactionDurability: 'strict' })
    shaped.version(1).stores({ items: 'id, listId', outbox: '[writer+n], [col+key], ord', state: 'id', versions: '[col+key]', confirmed: '[col+key]', conflicts: 'id' })
    await shaped.open()
    const all = ['items', 'outbox', 'state', 'versions', 'confirmed', 'conflicts']
    await shaped.table('state').put({ id: 'state', n: 0 })
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
    const reads = async (key: string): Promise<void> => {
      await shaped.table('items').get(key)
      await shaped.table('state').get('state')
      await shaped.table('versions').get(['items', key])
    }
    const writes = async (record: Item, n: number): Promise<void> => {
      await reads(record.id)
      await shaped.table('items').put(record)
      await shaped.table('outbox').add({ writer: 'w', n, col: 'items', key: record.id, ord: n, set: record })
      await shaped.table('state').put({ id: 'state', n })
    }
    // A local write's requests as Accord issues them: its reads together, then its writes together.
    const pipelined = async (record: Item, n: number): Promise<void> => {
      await Promise.all([
        shaped.table('items').get(record.id),
        shaped.table('versions').get(['items', record.id]),
        shaped.table('outbox').where('[col+key]').equals(['items', record.id]).toArray(),
        shaped.table('state').get('state'),
      ])
      await Promise.all([
        shaped.table('items').put(record),
        shaped.table('outbox').add({ writer: 'w', n, col: 'items', key: record.id, ord: n, set: record }),
        shaped.table('state').put({ id: 'state', n }),
      ])
    }
    // The same without the state row (no read, no write): what allocating n/ord elsewhere would save.
    const noState = async (record: Item, n: number): Promise<void> => {
      await Promise.all([
        shaped.table('items').get(record.id),
        shaped.table('versions').get(['items', record.id]),
        shaped.table('outbox').where('[col+key]').equals(['items', record.id]).toArray(),
      ])
      await Promise.all([shaped.table('items').put(record), shaped.table('outbox').add({ writer: 'w', n, col: 'items', key: record.id, ord: n, set: record })])
    }
    const times = { put: [] as number[], twoRows: [] as number[], oneTx: [] as number[], twoTx: [] as number[], pipelined: [] as number[], pipelinedNoState: [] as number[] }
    for (let r = 0; r < rounds; r++) {
      const record = makeItem(r, 'shape')
      let t0 = performance.now()
      await shaped.table('items').put(record)
      times.put.push(performance.now() - t0)
      t0 = performance.now()
      await shaped.transaction('rw', ['items', 'outbox'], async () => {
        await shaped.table('items').put({ ...record, id: `${record.id}-0` })
        await shaped.table('outbox').add({ writer: 'w0', n: r + 1, col: 'items', key: `${record.id}-0`, ord: r + 1, set: record })
      })
      times.twoRows.push(performance.now() - t0)
      t0 = performance.now()
      await shaped.transaction('rw', all, () => writes({ ...record, id: `${record.id}-1` }, 2 * r + 1))
      times.oneTx.push(performance.now() - t0)
      t0 = performance.now()
      await shaped.transaction('rw', all, () => reads(`${record.id}-2`))
      await shaped.transaction('rw', all, () => writes({ ...record, id: `${record.id}-2` }, 2 * r + 2))
      times.twoTx.push(performance.now() - t0)
      t0 = performance.now()
      await shaped.transaction('rw', ['items', 'outbox', 'state', 'versions', 'confirmed'], () => pipelined({ ...record, id: `${record.id}-3` }, 1_000_000 + r))
      times.pipelined.push(performance.now() - t0)
      t0 = performance.now()
      await shaped.transaction('rw', ['items', 'outbox', 'versions', 'confirmed'], () => noState({ ...record, id: `${record.id}-4` }, 2_000_000 + r))
      times.pipelinedNoState.push(performance.now() - t0)
    }
    shaped.close()
    await Dexie.delete(shaped.name)
    return { put: median(times.put), twoRows: median(times.twoRows), oneTx: median(times.oneTx), twoTx: median(times.twoTx), pipelined: median(times.pipelined), pipelinedNoState: median(times.pipelinedNoState) }
  },
  async importShapes(count, chunk) {
    const shaped = new Dexie(`import-shapes-${Date.now()}`, { chromeTransactionDurability: 'strict' })
    shaped.version(1).stores({ items: 'id, listId', plain: 'id, listId', outbox: '[writer+n], ord, [col+key]', state: 'key' })
    await shaped.open()
    const records = Array.from({ length: count }, (_, i) => makeItem(i, 'import'))
    let t0 = performance.now()
    await shaped.table('plain').bulkPut(records)
    const bulkPutMs = performance.now() - t0
    t0 = performance.now()
    for (let i = 0; i < count; i += chunk) {
      const slice = records.slice(i, i + chunk)
      await shaped.transaction('rw', ['items', 'outbox', 'state'], async () => {
        await Promise.all([
          shaped.table('items').bulkPut(slice),
          shaped.table('outbox').bulkPut(
            slice.map((record, k) => ({ writer: 'w', n: i + k + 1, replica: 'r', tx: i / chunk + 1, col: 'items', key: record.id, hlc: '2026-11-26T10:00:00.000Z-0000-r', op: 'put', ord: i + k + 1, base: 0, set: record })),
          ),
          shaped.table('state').put({ key: 'replica', value: { nextOrd: i + chunk + 1 } }),
        ])
      })
    }
    const withOutboxMs = performance.now() - t0
    shaped.close()
    await Dexie.delete(shaped.name)
    return { bulkPutMs, withOutboxMs }
  },
  fillMap(count, prefix) {
    held = new Map()
    for (let i = 0; i < count; i++) {
      const record = makeItem(i, prefix)
      held.set(record.id, record)
    }
    return held.size
  },
  async close() {
    held = undefined
    api.unwatchAll()
    socket?.disconnect()
    db?.close()
  },
}

const scope: WorkerGlobalScope = self
if (typeof SharedWorkerGlobalScope !== 'undefined' && scope instanceof SharedWorkerGlobalScope) {
  scope.addEventListener('connect', (event: MessageEvent) => {
    for (const port of event.ports) Comlink.expose(api, port)
  })
} else {
  Comlink.expose(api, scope as DedicatedWorkerGlobalScope)
}
