/**
 * The raw baselines, in a worker of the same kind as the replica's: Dexie and socket.io-client
 * used directly, no Accord code. Exposed to the bench page over Comlink.
 */
import * as Comlink from 'comlink'
import { Dexie, liveQuery, type Subscription, type Table } from 'dexie'
import { io, type Socket } from 'socket.io-client'
import { makeItem, type Item } from '../src/schema.js'
import { installIdbTracer } from './idb-tracer.js'
import { catchUpFloors, importFloors, writeFloors } from './raw-floors.js'
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
  catchUpFloors: (count, prefix, page, reps) => catchUpFloors(count, prefix, page, reps),
  writeFloors: (rounds) => writeFloors(rounds),
  importFloors: (count, chunk, reps) => importFloors(count, chunk, reps),
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
