/**
 * A database written in storage layout 0 (an outbox row per change, a `_versions` row per record)
 * opens in layout 1 with nothing lost: values, versions, confirmed snapshots, pending changes in
 * order, the pending count. The same database opened again for a newer schema is left as it is.
 */
import { describe, expect, it } from 'vitest'
import { Dexie } from 'dexie'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { defineSchema, type Change } from '@accord/core'
import type { ReplicaState } from '@accord/core/internal'
import { DexieReplicaStore } from '../src/runtime/store/dexie-replica-store.js'
import { META, type ValueRow } from '../src/runtime/store/record-meta.js'
import { OUTBOX, storesFor, type OutboxRow, type VersionRow } from '../src/runtime/store/tables.js'
import { collections, schema } from './fixtures/schema.js'

/** Layout 0's internal tables, as session 1–3 builds declared them. */
const LAYOUT_0 = { _outbox: '[writer+n], ord, [col+key]', _confirmed: '[col+key]', _versions: '[col+key]', _conflicts: 'id', _state: 'key' }

const change = (n: number, tx: number, key: string, op: Change['op'], extra: Partial<Change> = {}): Change => ({
  writer: 'w',
  n,
  replica: 'r',
  tx,
  col: 'cards',
  key,
  hlc: `hlc-${n}`,
  op,
  ord: n,
  base: 0,
  ...extra,
})

const pending = [
  change(1, 1, 'c2', 'patch', { base: 6, set: { title: 'pending' }, txEnd: true }),
  change(2, 2, 'c3', 'put', { set: { title: 'new' } }),
  change(3, 2, 'c4', 'delete', { base: 8, txEnd: true }),
]

/** c1 confirmed; c2 confirmed with a pending patch; c3 created here; c4 deleted here; c5 deleted on the hub. */
async function writeLayout0(indexedDB: InstanceType<typeof IDBFactory>): Promise<void> {
  const stores: { [table: string]: string } = { ...storesFor(schema), ...LAYOUT_0 }
  delete stores[OUTBOX]
  const db = new Dexie('old', { indexedDB, IDBKeyRange })
  db.version(schema.version).stores(stores)
  await db.open()
  const state: ReplicaState = { replicaId: 'r', writer: '', writers: { w: { nextN: 4, nextTx: 3 } }, nextOrd: 4, cursor: 7, clockOffset: 0, syncedCols: [], schemaVersion: schema.version }
  await db.table('_state').put({ key: 'replica', value: state })
  await db.table('cards').bulkPut([
    { id: 'c1', title: 'confirmed' },
    { id: 'c2', title: 'pending' },
    { id: 'c3', title: 'new' },
  ])
  await db.table('_versions').bulkPut([
    { col: 'cards', key: 'c1', version: 5 },
    { col: 'cards', key: 'c2', version: 6 },
    { col: 'cards', key: 'c4', version: 8 },
    { col: 'cards', key: 'c5', version: 9 },
  ])
  await db.table('_confirmed').bulkPut([
    { col: 'cards', key: 'c2', value: { id: 'c2', title: 'before' } },
    { col: 'cards', key: 'c4', value: { id: 'c4', title: 'gone' } },
  ])
  await db.table('_outbox').bulkPut(pending)
  db.close()
}

async function open(indexedDB: InstanceType<typeof IDBFactory>, version = schema): Promise<DexieReplicaStore> {
  return DexieReplicaStore.open({ name: 'old', schema: version, indexedDB, IDBKeyRange, randomId: () => 'unused' })
}

async function dump(store: DexieReplicaStore): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  for (const table of store.db.tables) out[table.name] = await table.toArray()
  return out
}

describe('storage layout 0 → 1', () => {
  it('keeps every value, version, snapshot and pending change, and the pending count', async () => {
    const indexedDB = new IDBFactory()
    await writeLayout0(indexedDB)
    const store = await open(indexedDB)
    try {
      expect(store.db.backendDB().objectStoreNames.contains('_outbox')).toBe(false)
      expect(await store.get('cards', 'c1')).toEqual({ id: 'c1', title: 'confirmed' })
      expect(await store.outboxCount()).toBe(3)
      await store.transaction(async (tx) => {
        expect(await Promise.all(['c1', 'c2', 'c3', 'c4', 'c5'].map((k) => tx.getVersion('cards', k)))).toEqual([5, 6, 0, 8, 9])
        expect(await tx.getVisible('cards', 'c2')).toEqual({ id: 'c2', title: 'pending' })
        expect(await tx.getVisible('cards', 'c4')).toBeUndefined()
        expect(await tx.getConfirmed('cards', 'c4')).toEqual({ value: { id: 'c4', title: 'gone' } })
        expect((await tx.pendingFor('cards', 'c2')).map((c) => c.n)).toEqual([1])
        expect((await tx.pendingFor('cards', 'c4')).map((c) => c.n)).toEqual([3])
        expect(await tx.pendingFor('cards', 'c1')).toEqual([])
        expect(await tx.outbox()).toEqual(pending)
        expect((await tx.getState()).cursor).toBe(7)
      })
      const rows = await dump(store)
      // One row per local transaction; versions in the value rows, `_versions` only for c4 and c5.
      expect((rows[OUTBOX] as OutboxRow[]).map((r) => r.changes.map((c) => c.n))).toEqual([[1], [2, 3]])
      expect((rows['_versions'] as VersionRow[]).map((r) => [r.key, r.version, r.p])).toEqual([
        ['c4', 8, [2]],
        ['c5', 9, undefined],
      ])
      expect((rows['cards'] as ValueRow[]).map((r) => [r['id'], r[META]])).toEqual([
        ['c1', { v: 5 }],
        ['c2', { v: 6, p: [1] }],
        ['c3', { p: [2] }],
      ])

      // A write after the migration numbers its row after the migrated ones.
      await store.transaction(async (tx) => {
        await tx.addOutbox(change(4, 3, 'c1', 'patch', { set: { title: 'later' }, txEnd: true }))
        await tx.putVisible('cards', 'c1', { id: 'c1', title: 'later' })
      })
      expect(await store.outboxCount()).toBe(4)
      expect(((await store.db.table(OUTBOX).toArray()) as OutboxRow[]).map((r) => r.id)).toEqual([1, 2, 3])
      expect(await store.get('cards', 'c1')).toEqual({ id: 'c1', title: 'later' })
    } finally {
      store.close()
    }
  })

  it('leaves a migrated database as it is when a newer schema upgrades it', async () => {
    const indexedDB = new IDBFactory()
    await writeLayout0(indexedDB)
    const first = await open(indexedDB)
    const before = await dump(first)
    first.close()
    const v2 = defineSchema({ version: 2, collections: { ...collections, tasks: { indexes: ['due'] } } })
    const upgraded = await open(indexedDB, v2)
    try {
      const after = await dump(upgraded)
      expect(after['tasks']).toEqual([])
      delete after['tasks']
      const state = (rows: Record<string, unknown[]>): unknown[] => (rows['_state'] as { value: ReplicaState }[]).map((r) => ({ ...r, value: { ...r.value, schemaVersion: 0 } }))
      expect(state(after)).toEqual(state(before))
      expect({ ...after, _state: [] }).toEqual({ ...before, _state: [] })
    } finally {
      upgraded.close()
    }
  })

  it('refuses a database in a newer storage layout (schema_downgrade) and leaves it as it is', async () => {
    const indexedDB = new IDBFactory()
    const newer = new Dexie('old', { indexedDB, IDBKeyRange })
    newer.version(schema.version + 0.2).stores(storesFor(schema))
    await newer.open()
    await newer.table('cards').put({ id: 'c1', title: 'a future row' })
    newer.close()
    await expect(open(indexedDB)).rejects.toMatchObject({ code: 'schema_downgrade', details: { layout: 2, supported: 1 } })
    const again = new Dexie('old', { indexedDB, IDBKeyRange })
    await again.open()
    expect(again.verno).toBe(schema.version + 0.2)
    expect(await again.table('cards').toArray()).toEqual([{ id: 'c1', title: 'a future row' }])
    expect(await again.table('_state').count()).toBe(0)
    again.close()
  })
})
