/**
 * The storage floors of P1, P2 and P7, run in the raw worker: raw Dexie, no Accord code, strict
 * durability, the figure's own records. Each design is the cheapest conceivable durable layout of
 * what the figure must store (the value alone, the value with its pending change, the value with
 * its hub version), so the ratio of each to the bare value write is what that layout costs here
 * whatever code drives it. Every design writes into a database of its own, created before its
 * timed span and deleted after it; repeated runs alternate the designs' order and report medians.
 */
import { Dexie } from 'dexie'
import { makeItem, type Item } from '../src/schema.js'
import type { FloorSample } from './raw-api.js'

const WRITER = '5b0c9f2e-2a41-4c55-9a61-0c3e1f7d2b10'
const REPLICA = '0e6f2c1a-7d3b-4b8e-a5f4-93d2c6e1b7a0'
/** The collection table and the outbox as Accord declares them (packages/client/src/runtime/store/tables.ts). */
const ITEMS = 'id, listId'
const OUTBOX = '[writer+n], ord, [col+key]'
/** A value row carrying its pending change: a sparse index on the change's `ord` finds the pending ones. */
const ITEMS_WITH_CHANGE = 'id, listId, _p.ord'

/** A put of a new record as Accord's outbox holds it: the whole change, every field in `set`. */
export function putChange(record: Item, n: number, tx: number): Record<string, unknown> {
  const { id, ...set } = record
  const hlc = `${(1_764_150_000_000 + n).toString(16).padStart(12, '0')}-0000-${REPLICA}`
  return { writer: WRITER, n, replica: REPLICA, tx, txEnd: true, col: 'items', key: id, hlc, op: 'put', ord: n, set, base: 0 }
}

interface Design {
  name: string
  what: string
  stores: Record<string, string>
  write: (db: Dexie) => Promise<unknown>
  /** Untimed, before `write`: what the database holds already. */
  fill?: (db: Dexie) => Promise<unknown>
  base?: true
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function openFresh(stores: Record<string, string>): Promise<Dexie> {
  const db = new Dexie(`floor-${Date.now()}-${Math.random().toString(36).slice(2)}`, { chromeTransactionDurability: 'strict' })
  db.version(1).stores(stores)
  await db.open()
  return db
}

async function drop(db: Dexie): Promise<void> {
  db.close()
  await Dexie.delete(db.name)
}

/** Times each design's `write` into a fresh database, `reps` times in alternating order; medians. */
async function timeDesigns(designs: Design[], reps: number): Promise<FloorSample[]> {
  const times = designs.map((): number[] => [])
  for (let r = 0; r < reps; r++) {
    const order = designs.map((_, i) => i)
    if (r % 2 === 1) order.reverse()
    for (const i of order) {
      const design = designs[i] as Design
      const db = await openFresh(design.stores)
      if (design.fill) await design.fill(db)
      const t0 = performance.now()
      await design.write(db)
      times[i]?.push(performance.now() - t0)
      await drop(db)
    }
  }
  return designs.map((d, i) => ({ name: d.name, what: d.what, ms: median(times[i] ?? []), ...(d.base ? { base: true as const } : {}) }))
}

function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size))
  return out
}

/**
 * P2: `count` new records. Base: one bulkPut of the values. Then the values with the same change
 * data as Accord's outbox holds (a put's whole change per record) in every layout: packed into
 * rows of 1,000 changes; one row per transaction of `chunk`; one row per record without secondary
 * indexes; carried inside each value row; one row per record with Accord's indexes; and Accord's
 * own layout at its transaction size (indexed rows + the state row, `chunk` per transaction).
 */
export async function importFloors(count: number, chunk: number, reps: number): Promise<FloorSample[]> {
  const records = Array.from({ length: count }, (_, i) => makeItem(i, 'import'))
  const changes = records.map((r, i) => putChange(r, i + 1, Math.floor(i / chunk) + 1))
  const carrying = records.map((r, i) => ({ ...r, _p: changes[i] }))
  const packed = chunks(changes, 1000).map((c, n) => ({ n, changes: c }))
  const recordChunks = chunks(records, chunk)
  const changeChunks = chunks(changes, chunk)
  const perTx = async (db: Dexie, tables: string[], body: (k: number) => Promise<unknown>): Promise<void> => {
    for (let k = 0; k < recordChunks.length; k++) await db.transaction('rw', tables, () => body(k))
  }
  const designs: Design[] = [
    { name: 'values, one bulkPut', what: `one bulkPut of the ${count} values (one transaction)`, stores: { items: ITEMS }, base: true, write: (db) => db.table('items').bulkPut(records) },
    {
      name: `values, ${chunk} per transaction`,
      what: `bulkPut of the values in transactions of ${chunk} (Accord's transaction size), nothing else`,
      stores: { items: ITEMS },
      write: (db) => perTx(db, ['items'], (k) => db.table('items').bulkPut(recordChunks[k] as Item[])),
    },
    {
      name: 'values + changes packed 1,000 per row',
      what: 'one transaction: the values, and every change packed into outbox rows of 1,000 changes (no secondary index)',
      stores: { items: ITEMS, outbox: 'n' },
      write: (db) =>
        db.transaction('rw', ['items', 'outbox'], () =>
          Promise.all([db.table('items').bulkPut(records), db.table('outbox').bulkPut(packed)]),
        ),
    },
    {
      name: `values + one change row per transaction (${chunk}/tx)`,
      what: `transactions of ${chunk}: the values and ONE outbox row holding the transaction's ${chunk} changes (no state row: the next n/ord would be read from the last outbox row)`,
      stores: { items: ITEMS, outbox: 'n' },
      write: (db) =>
        perTx(db, ['items', 'outbox'], (k) => Promise.all([db.table('items').bulkPut(recordChunks[k] as Item[]), db.table('outbox').put({ n: k + 1, changes: changeChunks[k] })])),
    },
    {
      name: 'values + a change row per record, no index',
      what: 'one transaction: the values, and one outbox row per change keyed [writer+n], no secondary index',
      stores: { items: ITEMS, outbox: '[writer+n]' },
      write: (db) => db.transaction('rw', ['items', 'outbox'], () => Promise.all([db.table('items').bulkPut(records), db.table('outbox').bulkPut(changes)])),
    },
    {
      name: 'value rows carrying their change',
      what: 'one store: each value row holds its pending change (`_p`), a sparse index on `_p.ord` lists the pending ones',
      stores: { items: ITEMS_WITH_CHANGE },
      write: (db) => db.table('items').bulkPut(carrying),
    },
    {
      name: "values + a change row per record, Accord's indexes",
      what: `one transaction: the values, and one outbox row per change with Accord's indexes (${OUTBOX})`,
      stores: { items: ITEMS, outbox: OUTBOX },
      write: (db) => db.transaction('rw', ['items', 'outbox'], () => Promise.all([db.table('items').bulkPut(records), db.table('outbox').bulkPut(changes)])),
    },
    {
      name: `Accord's layout, ${chunk}/tx (values + indexed change rows + state row)`,
      what: `transactions of ${chunk}: the values, one indexed outbox row per change, the state row (what Accord's import writes)`,
      stores: { items: ITEMS, outbox: OUTBOX, state: 'key' },
      write: (db) =>
        perTx(db, ['items', 'outbox', 'state'], (k) =>
          Promise.all([
            db.table('items').bulkPut(recordChunks[k] as Item[]),
            db.table('outbox').bulkPut(changeChunks[k] as object[]),
            db.table('state').put({ key: 'replica', value: { nextN: (k + 1) * chunk + 1, nextOrd: (k + 1) * chunk + 1, tx: k + 1 } }),
          ]),
        ),
    },
  ]
  return timeDesigns(designs, reps)
}

/**
 * P7: `count` pulled records with their hub versions, first into empty stores, then the same keys
 * changed. Base: one bulkPut of the values. Then the version inside the value row (one store), and
 * in a versions table (Accord's layout), in one transaction; for the first sync also one
 * transaction per page of `page` records with the cursor row (pages applied as they come).
 */
export async function catchUpFloors(count: number, prefix: string, page: number, reps: number): Promise<{ first: FloorSample[]; changed: FloorSample[] }> {
  const records = Array.from({ length: count }, (_, i) => makeItem(i, prefix))
  const changedRecords = records.map((r) => ({ ...r, title: `${r.title} (changed)` }))
  // Rows built before any timed span, as a catch-up has them from the pages it decoded.
  const rowsOf = (rs: Item[], v0: number): Array<Item & { _v: number }> => rs.map((r, i) => ({ ...r, _v: v0 + i + 1 }))
  const versionsOf = (rs: Item[], v0: number): object[] => rs.map((r, i) => ({ col: 'items', key: r.id, version: v0 + i + 1 }))
  const built = { first: { rows: rowsOf(records, 0), versions: versionsOf(records, 0) }, changed: { rows: rowsOf(changedRecords, count), versions: versionsOf(changedRecords, count) } }
  const oneTx = (rs: Item[], { rows, versions }: { rows: object[]; versions: object[] }): Design[] => [
    { name: 'values, one bulkPut', what: `one bulkPut of the ${count} values (one transaction)`, stores: { items: ITEMS }, base: true, write: (db) => db.table('items').bulkPut(rs) },
    {
      name: 'values with the version in the row',
      what: 'one store: each value row carries its hub version (`_v`), one bulkPut',
      stores: { items: ITEMS },
      write: (db) => db.table('items').bulkPut(rows),
    },
    {
      name: 'values + a versions table',
      what: "one transaction: bulkPut of the values and of a version row per record keyed [col+key] (Accord's layout)",
      stores: { items: ITEMS, versions: '[col+key]' },
      write: (db) => db.transaction('rw', ['items', 'versions'], () => Promise.all([db.table('items').bulkPut(rs), db.table('versions').bulkPut(versions)])),
    },
  ]
  const pages = chunks(records, page)
  const perPage: Design[] = [
    {
      name: `version in the row, a transaction per page of ${page}`,
      what: `a transaction per page of ${page}: the values with their version in the row, and the cursor row`,
      stores: { items: ITEMS, state: 'key' },
      write: async (db) => {
        for (let k = 0; k < pages.length; k++) {
          await db.transaction('rw', ['items', 'state'], () => Promise.all([db.table('items').bulkPut(built.first.rows.slice(k * page, (k + 1) * page)), db.table('state').put({ key: 'cursor', value: (k + 1) * page })]))
        }
      },
    },
    {
      name: `values + versions table, a transaction per page of ${page}`,
      what: `a transaction per page of ${page}: the values, their version rows and the cursor row (a first sync applied as pages come)`,
      stores: { items: ITEMS, versions: '[col+key]', state: 'key' },
      write: async (db) => {
        for (let k = 0; k < pages.length; k++) {
          const p = pages[k] as Item[]
          await db.transaction('rw', ['items', 'versions', 'state'], () =>
            Promise.all([db.table('items').bulkPut(p), db.table('versions').bulkPut(built.first.versions.slice(k * page, (k + 1) * page)), db.table('state').put({ key: 'cursor', value: (k + 1) * page })]),
          )
        }
      },
    },
  ]
  // The changed records go over the keys a first sync wrote: each database is filled first, untimed.
  const filled = oneTx(records, built.first)
  const changed = oneTx(changedRecords, built.changed).map((d, i): Design => ({ ...d, what: `over the same keys already stored: ${d.what}`, fill: (filled[i] as Design).write }))
  return { first: await timeDesigns([...oneTx(records, built.first), ...perPage], reps), changed: await timeDesigns(changed, reps) }
}

/**
 * P1: `rounds` rounds, each writing one record in every design (fresh keys, the order alternating
 * between rounds), timed in the worker; medians. Base: one put of the value. Then the value row
 * carrying its change, blind and after reading the old value; the value and a pending marker of a
 * few bytes; the value and the change as an outbox row without, then with, Accord's indexes; a
 * local write as Accord issues it (reads of value, version, the record's pending changes and the
 * state row together, then its writes together), without and with the state row.
 */
export async function writeFloors(rounds: number): Promise<FloorSample[]> {
  const db = await openFresh({ items: ITEMS, carrying: ITEMS_WITH_CHANGE, marks: 'n', plain: '[writer+n]', outbox: OUTBOX, state: 'key', versions: '[col+key]', confirmed: '[col+key]' })
  const t = (name: string): ReturnType<Dexie['table']> => db.table(name)
  const accordWrite = async (record: Item, change: Record<string, unknown>, withState: boolean): Promise<void> => {
    const tables = withState ? ['items', 'outbox', 'versions', 'confirmed', 'state'] : ['items', 'outbox', 'versions', 'confirmed']
    await db.transaction('rw', tables, async () => {
      await Promise.all([
        t('items').get(record.id),
        t('versions').get(['items', record.id]),
        t('outbox').where('[col+key]').equals(['items', record.id]).toArray(),
        ...(withState ? [t('state').get('replica')] : []),
      ])
      await Promise.all([t('items').put(record), t('outbox').add(change), ...(withState ? [t('state').put({ key: 'replica', value: { nextN: change.n, nextOrd: change.ord } })] : [])])
    })
  }
  type Write = (record: Item, change: Record<string, unknown>) => Promise<unknown>
  const designs: Array<{ name: string; what: string; write: Write; base?: true }> = [
    { name: 'put of the value', what: 'one put in a one-store transaction', base: true, write: (r) => t('items').put(r) },
    { name: 'value row carrying its change', what: 'one put in one store: the value with its pending change (`_p`) in the row, a sparse index on `_p.ord`', write: (r, c) => t('carrying').put({ ...r, _p: c }) },
    {
      name: 'value row carrying its change, read first',
      what: 'one transaction, one store: a get of the old value (a put needs it for `prev`), then the put of the value row carrying its change',
      write: (r, c) => db.transaction('rw', ['carrying'], async () => t('carrying').put({ ...((await t('carrying').get(r.id)) ?? {}), ...r, _p: c })),
    },
    {
      name: 'value + a pending marker row',
      what: 'one transaction, two stores: the value and a ~40 B row {n, col, key} (no index)',
      write: (r, c) => db.transaction('rw', ['items', 'marks'], () => Promise.all([t('items').put(r), t('marks').put({ n: c.n, col: 'items', key: r.id })])),
    },
    {
      name: 'value + change row, no index',
      what: "one transaction, two stores: the value and the put's whole change keyed [writer+n], no secondary index",
      write: (r, c) => db.transaction('rw', ['items', 'plain'], () => Promise.all([t('items').put(r), t('plain').add(c)])),
    },
    {
      name: "value + change row, Accord's indexes",
      what: `one transaction, two stores: the value and the change in an outbox with Accord's indexes (${OUTBOX})`,
      write: (r, c) => db.transaction('rw', ['items', 'outbox'], () => Promise.all([t('items').put(r), t('outbox').add(c)])),
    },
    { name: "Accord's write without the state row", what: "as Accord issues a local write (3 reads together, then value + outbox row) over 4 stores, no state row", write: (r, c) => accordWrite(r, c, false) },
    { name: "Accord's write pattern", what: 'as Accord issues a local write: 4 reads together (value, version, pending changes, state), then 3 writes together (value, outbox row, state) over 5 stores', write: (r, c) => accordWrite(r, c, true) },
  ]
  const times = designs.map((): number[] => [])
  try {
    for (let round = 0; round < rounds; round++) {
      const order = designs.map((_, i) => i)
      if (round % 2 === 1) order.reverse()
      for (const i of order) {
        const n = round * designs.length + i + 1
        const record = { ...makeItem(round, 'shape'), id: `shape-${String(n).padStart(7, '0')}` }
        const change = putChange(record, n, n)
        const t0 = performance.now()
        await (designs[i] as (typeof designs)[number]).write(record, change)
        times[i]?.push(performance.now() - t0)
      }
    }
  } finally {
    await drop(db)
  }
  return designs.map((d, i) => ({ name: d.name, what: d.what, ms: median(times[i] ?? []), ...(d.base ? { base: true as const } : {}) }))
}
