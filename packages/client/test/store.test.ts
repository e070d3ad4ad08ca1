/**
 * The Dexie replica store's batched reads give the same results as reading record by record.
 * `DexieReplicaTx.prefetch` takes shortcuts (tables probed empty are not read, a big local write
 * reads pending changes only of records that exist, requests issued together): each case runs the
 * engine's own write and catch-up code twice on identical databases, once through the store as it
 * is and once with `prefetch` hidden (every row read when asked for), and compares every table.
 */
import { describe, expect, it } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { Change, RecordValue } from '@accord/core'
import { applyPull, commitWrite, planWrite, type LocalOp, type ReplicaStore, type ReplicaTx } from '@accord/core/internal'
import type { PulledRecord } from '@accord/core'
import { DexieReplicaStore } from '../src/runtime/store/dexie-replica-store.js'
import { META, type ValueRow } from '../src/runtime/store/record-meta.js'
import { OUTBOX, type OutboxRow } from '../src/runtime/store/tables.js'
import { schema } from './fixtures/schema.js'
import { openTestReplica, until } from './helpers/replica.js'

/** A store on its own fake IndexedDB with deterministic ids, so two of them hold the same rows. */
async function openStore(): Promise<DexieReplicaStore> {
  let next = 0
  return DexieReplicaStore.open({ name: 'store', schema, indexedDB: new IDBFactory(), IDBKeyRange, randomId: () => `id-${++next}` })
}

/** The same store with `prefetch` hidden from the engine: every row is read when asked for. */
function withoutPrefetch(store: DexieReplicaStore): ReplicaStore {
  return {
    transaction: (body, scope) =>
      store.transaction((tx) => body(new Proxy(tx, { get: (target, p, receiver): unknown => (p === 'prefetch' ? undefined : Reflect.get(target, p, receiver)) }) as ReplicaTx), scope),
  }
}

/** Every change the outbox rows hold. */
const changesIn = (rows: Record<string, unknown[]>): Change[] => (rows[OUTBOX] as OutboxRow[]).flatMap((row) => row.changes)

/** Every table's rows, in key order. */
async function dump(store: DexieReplicaStore): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  for (const table of store.db.tables) out[table.name] = await table.toArray()
  return out
}

const card = (i: number, title: string): RecordValue => ({ id: `c${i}`, title, listId: `l${i % 3}` })
const change = (i: number, n: number, op: Change['op'], base: number, set?: RecordValue): Change => ({
  writer: 'old',
  n,
  replica: 'id-1',
  tx: n,
  txEnd: true,
  col: 'cards',
  key: `c${i}`,
  hlc: `hlc-${n}`,
  op,
  ord: n,
  base,
  ...(set ? { set } : {}),
})

/**
 * Records c0…c(count-1) in every state a record can be in here: absent; confirmed; confirmed with
 * a pending patch (snapshot kept); created here and pending; deleted on the hub (a version, no
 * value); confirmed with a pending delete made at an older version (no value, yet field bases).
 */
async function seed(store: DexieReplicaStore, count: number): Promise<void> {
  await store.transaction(async (tx) => {
    const state = await tx.getState()
    state.writers['old'] = { nextN: count + 1, nextTx: count + 1 }
    state.writers['w'] = { nextN: 1, nextTx: 1 }
    state.nextOrd = count + 1
    await tx.putState(state)
    for (let i = 0; i < count; i++) {
      const kind = i % 6
      const key = `c${i}`
      if (kind === 1) {
        await tx.putVisible('cards', key, card(i, 'confirmed'))
        await tx.putVersion('cards', key, 10 + i)
      } else if (kind === 2) {
        await tx.putVersion('cards', key, 10 + i)
        await tx.putConfirmed('cards', key, { value: card(i, 'confirmed') })
        await tx.putVisible('cards', key, card(i, 'pending patch'))
        await tx.addOutbox(change(i, i + 1, 'patch', 5, { title: 'pending patch' }))
      } else if (kind === 3) {
        await tx.putVisible('cards', key, card(i, 'created here'))
        await tx.addOutbox(change(i, i + 1, 'put', 0, card(i, 'created here')))
      } else if (kind === 4) {
        await tx.putVersion('cards', key, 10 + i)
      } else if (kind === 5) {
        await tx.putVersion('cards', key, 10 + i)
        await tx.putConfirmed('cards', key, { value: card(i, 'confirmed') })
        // Deleted here at version 5; a later commit of another replica moved the version on.
        await tx.addOutbox(change(i, i + 1, 'delete', 5))
      }
    }
  })
}

/** One local transaction as ReplicaSync.write commits it, with fixed clock and writer. */
async function write(store: ReplicaStore, ops: LocalOp[]): Promise<void> {
  const own = { writer: 'w', fresh: () => 'never' }
  await store.transaction(async (tx) => {
    const plan = await planWrite(ops, schema, (c, k) => tx.getVisible(c, k), tx.prefetch?.bind(tx))
    const result = await commitWrite(tx, plan, () => 'hlc-local', own)
    expect(result).not.toBe('moved')
  }, { cols: ['cards'] })
}

/** Puts on every record, and a second write to every third one in the same transaction. */
function ops(count: number): LocalOp[] {
  const out: LocalOp[] = []
  for (let i = 0; i < count; i++) out.push({ op: 'put', col: 'cards', value: card(i, `put ${i}`) })
  for (let i = 0; i < count; i += 3) out.push({ op: 'update', col: 'cards', key: `c${i}`, patch: { title: `updated ${i}` } })
  return out
}

function pulled(count: number, version: number): PulledRecord[] {
  return Array.from({ length: count + 4 }, (_, i): PulledRecord => (i % 7 === 6 ? { col: 'cards', key: `c${i}`, version: version + i, deleted: true, hlc: 'hlc-p' } : { col: 'cards', key: `c${i}`, version: version + i, value: card(i, `pulled ${i}`), hlc: 'hlc-p' }))
}

async function pair(count: number): Promise<[DexieReplicaStore, DexieReplicaStore]> {
  const a = await openStore()
  const b = await openStore()
  if (count > 0) {
    await seed(a, count)
    await seed(b, count)
  }
  return [a, b]
}

describe('DexieReplicaStore batched reads', () => {
  // More records than the store reads eagerly (16), and fewer: both of its paths.
  for (const count of [40, 6]) {
    it(`a local write of ${count} records leaves what record-by-record reads leave`, async () => {
      const [a, b] = await pair(count)
      await write(a, ops(count))
      await write(withoutPrefetch(b), ops(count))
      const rows = await dump(a)
      expect(rows).toEqual(await dump(b))
      // The write did something to check: snapshots taken, field bases kept, records created.
      expect(rows['_confirmed']?.length).toBeGreaterThan(0)
      // c5: no visible value, yet its pending delete (base 5) masks what version 15 holds.
      expect(changesIn(rows).find((c) => c.writer === 'w' && c.key === 'c5')?.fieldBase).toMatchObject({ title: 5 })
      // c2: a pending patch of the title at base 5 under version 12.
      expect(changesIn(rows).find((c) => c.writer === 'w' && c.key === 'c2')?.fieldBase).toEqual({ title: 5 })
      // One outbox row for the write, named by every record it changed.
      const written = (rows[OUTBOX] as OutboxRow[]).filter((row) => row.writer === 'w')
      expect(written).toHaveLength(1)
      for (const row of rows['cards'] as ValueRow[]) expect(row[META]?.p).toContain(written[0]?.id)
      expect((rows['cards'] as RecordValue[]).filter((r) => String(r['title']).startsWith('put') || String(r['title']).startsWith('updated'))).toHaveLength(count)
    })

    it(`a catch-up of ${count} records over pending changes leaves what record-by-record reads leave`, async () => {
      const [a, b] = await pair(count)
      const page = { records: pulled(count, 100), conflicts: [], watermarks: { old: 2 }, until: 500, head: 500, more: false }
      await a.transaction((tx) => applyPull(tx, schema, [page], { fromZero: false, complete: true }))
      await withoutPrefetch(b).transaction((tx) => applyPull(tx, schema, [page], { fromZero: false, complete: true }))
      const rows = await dump(a)
      expect(rows).toEqual(await dump(b))
      // Versions ride in value rows; a deleted record keeps its own row.
      const versioned = (rows['cards'] as ValueRow[]).filter((row) => (row[META]?.v ?? 0) >= 100)
      expect(versioned.length + (rows['_versions']?.length ?? 0)).toBeGreaterThan(count)
      expect(versioned.length).toBeGreaterThan(0)
    })
  }

  it('an import of new keys sorting after the stored ones (no reads) and between them (reads) leaves what record-by-record reads leave', async () => {
    const [a, b] = await pair(40)
    const after = Array.from({ length: 30 }, (_, i): LocalOp => ({ op: 'put', col: 'cards', value: { id: `d${i}`, title: 'after' } }))
    // `c4` sorts among the new keys: this batch must read, and finds c4's version and pending delete.
    const among = [...Array.from({ length: 30 }, (_, i): LocalOp => ({ op: 'put', col: 'cards', value: { id: `c4${i}`, title: 'among' } })), { op: 'put', col: 'cards', value: { id: 'c5', title: 'among' } } as LocalOp]
    for (const batch of [after, among]) {
      await write(a, batch)
      await write(withoutPrefetch(b), batch)
    }
    const rows = await dump(a)
    expect(rows).toEqual(await dump(b))
    expect(changesIn(rows).find((c) => c.writer === 'w' && c.key === 'c5')?.base).toBe(15)
    expect((rows['cards'] as RecordValue[]).filter((r) => r['title'] === 'after')).toHaveLength(30)
  })

  it('a first sync into an empty replica, and a re-pull from 0, leave what record-by-record reads leave', async () => {
    const [a, b] = await pair(0)
    const first = { records: pulled(40, 1), conflicts: [], watermarks: {}, until: 100, head: 100, more: false }
    await a.transaction((tx) => applyPull(tx, schema, [first], { fromZero: true, complete: true }))
    await withoutPrefetch(b).transaction((tx) => applyPull(tx, schema, [first], { fromZero: true, complete: true }))
    expect(await dump(a)).toEqual(await dump(b))
    // A local write after it (the tables are no longer empty), then a re-pull from 0 of fewer records.
    await write(a, ops(20))
    await write(withoutPrefetch(b), ops(20))
    const again = { records: pulled(25, 200), conflicts: [], watermarks: {}, until: 300, head: 300, more: false }
    await a.transaction((tx) => applyPull(tx, schema, [again], { fromZero: true, complete: true }))
    await withoutPrefetch(b).transaction((tx) => applyPull(tx, schema, [again], { fromZero: true, complete: true }))
    const rows = await dump(a)
    expect(rows).toEqual(await dump(b))
    expect(rows['cards']?.length).toBeGreaterThan(0)
  })
})

describe('pending', () => {
  it('counts exactly what the outbox holds, with writes from two runtimes of one database in flight together', async () => {
    const first = await openTestReplica({ schema, name: 'shared', runtime: { outboxPollMs: 50 } })
    const second = await openTestReplica({ schema, name: 'shared', idb: first.idb, runtime: { outboxPollMs: 50 } })
    try {
      const writes: Promise<void>[] = []
      for (let i = 0; i < 30; i++) {
        const by = i % 2 === 0 ? first : second
        writes.push(by.put('cards', card(i, `t${i}`)))
        if (i % 5 === 0) writes.push(by.write({ op: 'update', col: 'cards', key: `c${i}`, patch: { title: 'again' } }, { op: 'put', col: 'profiles', value: { id: `p${i}` } }))
        // A write that changes nothing adds nothing.
        if (i % 7 === 0) writes.push(by.write({ op: 'delete', col: 'cards', key: 'absent' }))
      }
      await Promise.all(writes)
      const stored = ((await first.runtime.database?.table(OUTBOX).toArray()) as OutboxRow[]).flatMap((row) => row.changes).length
      expect(stored).toBe(30 + 6 * 2)
      await until(() => first.status.pending === stored && second.status.pending === stored, `both runtimes at ${String(stored)} (first ${first.status.pending}, second ${second.status.pending})`)
    } finally {
      await first.close()
      await second.close()
    }
  })

  it('a runtime alone shows each write in pending without counting the outbox again', async () => {
    // No poll during the test: only the additions of its own writes move `pending`.
    const only = await openTestReplica({ schema, name: 'alone', runtime: { outboxPollMs: 60_000 } })
    try {
      await only.waitForStatus((st) => st.pending === 0, 'the first count')
      for (let i = 1; i <= 5; i++) {
        await only.write({ op: 'put', col: 'cards', value: card(i, 'a') }, { op: 'put', col: 'cards', value: card(i + 100, 'b') })
        await only.waitForStatus((st) => st.pending >= 2 * i, `write ${i} shown`)
        expect(only.status.pending).toBe(2 * i)
      }
    } finally {
      await only.close()
    }
  })
})

describe('the outbox read by ord', () => {
  it("reads the first changes only, with this transaction's removals and additions, and still the whole outbox after", async () => {
    const store = await openStore()
    await store.transaction(async (tx) => {
      for (let n = 1; n <= 10; n++) await tx.addOutbox(change(n, n, 'patch', 0, card(n, `t${n}`)))
    })
    const ords = (changes: Change[]): string[] => changes.map((c) => `${c.writer}:${c.ord}`)
    await store.transaction(async (tx) => {
      await tx.removeOutbox('old', 2)
      await tx.removeOutbox('old', 4)
      await tx.removeOutbox('old', 3)
      // A change moved to another writer keeps its place in the order; a new write goes last.
      await tx.addOutbox({ ...change(3, 3, 'patch', 0), writer: 'moved', n: 1 })
      await tx.addOutbox({ ...change(11, 11, 'patch', 0), writer: 'new', n: 1 })
      expect(ords(await tx.outbox(4))).toEqual(['old:1', 'moved:3', 'old:5', 'old:6'])
      expect(ords(await tx.outbox())).toEqual(['old:1', 'moved:3', 'old:5', 'old:6', 'old:7', 'old:8', 'old:9', 'old:10', 'new:11'])
      expect(ords(await tx.outbox(20))).toHaveLength(9)
    })
  })
})

describe('outbox rows (storage layout 1)', () => {
  const ords = (changes: Change[]): string[] => changes.map((c) => `${c.writer}:${c.ord}`)

  it("finds a record's pending changes through its value row, across rows and partial settles", async () => {
    const store = await openStore()
    await store.transaction(async (tx) => {
      await tx.addOutbox(change(1, 1, 'patch', 0, { title: 'a' }))
      await tx.addOutbox(change(2, 2, 'patch', 0, { title: 'b' }))
      await tx.putVisible('cards', 'c1', card(1, 'a'))
      await tx.putVisible('cards', 'c2', card(2, 'b'))
    })
    await store.transaction(async (tx) => {
      await tx.addOutbox(change(1, 3, 'patch', 0, { title: 'a again' }))
      await tx.putVisible('cards', 'c1', card(1, 'a again'))
    })
    await store.transaction(async (tx) => {
      expect((await tx.pendingFor('cards', 'c1')).map((c) => c.n)).toEqual([1, 3])
      await tx.removeOutbox('old', 1)
      await tx.putVersion('cards', 'c1', 7)
    })
    await store.transaction(async (tx) => {
      expect((await tx.pendingFor('cards', 'c1')).map((c) => c.n)).toEqual([3])
      expect((await tx.pendingFor('cards', 'c2')).map((c) => c.n)).toEqual([2])
      expect(await tx.outboxCount()).toBe(2)
    })
    let rows = await dump(store)
    expect((rows[OUTBOX] as OutboxRow[]).map((r) => [r.id, r.changes.map((c) => c.n)])).toEqual([
      [1, [2]],
      [2, [3]],
    ])
    // c1 was rewritten after its settle: its metadata no longer names row 1, which holds none of its changes.
    expect((rows['cards'] as ValueRow[]).map((r) => [r['id'], r[META]])).toEqual([
      ['c1', { v: 7, p: [2] }],
      ['c2', { p: [1] }],
    ])
    expect(await store.get('cards', 'c1')).toEqual(card(1, 'a again'))
    await store.transaction(async (tx) => {
      for (const c of await tx.outbox()) await tx.removeOutbox(c.writer, c.n)
      await tx.putVersion('cards', 'c2', 8)
    })
    rows = await dump(store)
    expect(rows[OUTBOX]).toEqual([])
    expect(await store.outboxCount()).toBe(0)
    await store.transaction(async (tx) => expect(await tx.pendingFor('cards', 'c1')).toEqual([]))
  })

  it('reads the first changes by ord across stored rows, a moved change among them', async () => {
    const store = await openStore()
    for (let t = 0; t < 10; t++) {
      await store.transaction(async (tx) => {
        for (let i = 1; i <= 3; i++) await tx.addOutbox(change(t * 3 + i, t * 3 + i, 'patch', 0, { title: 'x' }))
      })
    }
    // Ord 2 moves to another writer: a new row, numbered after every other, holding the second-lowest ord.
    await store.transaction(async (tx) => {
      const [moved] = (await tx.outbox(2)).slice(1)
      if (!moved) throw new Error('no second change')
      await tx.removeOutbox(moved.writer, moved.n)
      await tx.addOutbox({ ...moved, writer: 'moved', n: 1 })
    })
    await store.transaction(async (tx) => {
      expect(ords(await tx.outbox(3))).toEqual(['old:1', 'moved:2', 'old:3'])
      expect(ords(await tx.outbox(7))).toEqual(['old:1', 'moved:2', 'old:3', 'old:4', 'old:5', 'old:6', 'old:7'])
      expect(await tx.outbox()).toHaveLength(30)
      expect((await tx.outboxThrough('old', 5)).map((c) => c.n)).toEqual([1, 3, 4, 5])
      expect(await tx.outboxCount()).toBe(30)
    })
    expect(((await store.db.table(OUTBOX).toArray()) as OutboxRow[]).map((r) => r.changes.length)).toEqual([2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1])
  })
})
