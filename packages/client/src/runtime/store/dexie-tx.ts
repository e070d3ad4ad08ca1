import { Dexie, type Table, type Transaction } from 'dexie'
import type { Change, ConflictRecord, RecordValue, Schema } from '@accord/core'
import type { PrefetchWant, ReplicaState, ReplicaTx } from '@accord/core/internal'
import { OutboxRows, type OutboxPlan, type OutboxReader } from './outbox-rows.js'
import { META, metaOf, toMeta, withMeta, type ValueRow } from './record-meta.js'
import { CONFIRMED, CONFLICTS, OUTBOX, STATE, VERSIONS, type ConfirmedRow, type ConflictRow, type OutboxMeta, type OutboxRow, type StateRow, type VersionRow, versionRow } from './tables.js'

/** A batch that reads pending changes reads the whole outbox instead when it holds at most this many. */
const OUTBOX_IN_MEMORY = 2_000

/**
 * A prefetch of up to this many records reads every row it may need in one round of requests
 * (a local write waits on it: latency). A bigger one first asks which tables are empty and then
 * reads only what it can find (an import or a catch-up: throughput).
 */
const EAGER_RECORDS = 16

const READ_ALL: PrefetchWant = { visible: true, confirmed: true, version: true, pending: true, state: true }

type Snapshot = { value: RecordValue | undefined }

/** A record as stored: its value row (null: none) and metadata, and whether a `_versions` row exists. */
interface StoredRecord {
  value: RecordValue | null
  version: number
  rows: number[]
  versionRow: boolean
}

const rk = (col: string, key: string): string => `${col}\u0000${key}`
/** IndexedDB's order for the keys this file compares: strings, and arrays of strings. */
const compareKeys = (a: string | readonly string[], b: string | readonly string[]): number => {
  const x = typeof a === 'string' ? [a] : a
  const y = typeof b === 'string' ? [b] : b
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] as string
    const q = y[i] as string
    if (p !== q) return p < q ? -1 : 1
  }
  return x.length - y.length
}
const splitRk = (k: string): [string, string] => {
  const at = k.indexOf('\u0000')
  return [k.slice(0, at), k.slice(at + 1)]
}

/**
 * core's `ReplicaTx` on the tables of one Dexie database (tables.ts), inside one read-write
 * transaction.
 *
 * Reads are cached and writes buffered in memory, then written by `flush()` with one bulk request
 * per table before the transaction ends: the engine works record by record, and awaiting each
 * IndexedDB request in turn cost 10–25× the raw bulk calls (BENCHMARKS.md, P2 and P7).
 * `prefetch` reads the rows of many records at once, and only the rows the engine says it will
 * read, skipping tables it finds empty. Requests that do not depend on each other are issued
 * together and awaited together (IndexedDB runs them in order anyway), which spares the worker a
 * round trip per request.
 *
 * A record's version and the outbox rows of its pending changes live in its value row (or its
 * `_versions` row when it has no value), so reading a record is one row, and writing a pulled
 * record or a new one is one row plus its transaction's outbox row. A value row is written whole,
 * so `flush` reads what it must keep of a record it never read; it need not when the whole outbox
 * is known (pending rows exact) and the engine wrote both value and version.
 * The caller must run `flush()` before the transaction completes (DexieReplicaStore does);
 * everything stays in the one transaction, so atomicity is unchanged.
 *
 * Reads go to IndexedDB directly (`idbtrans`): they need none of Dexie's middleware. Writes go
 * through Dexie, so its live queries see them. Tables are taken from the transaction object
 * itself, not from Dexie's zone: the engine's nested async functions put many native microtask
 * hops between two requests.
 */
export class DexieReplicaTx implements ReplicaTx {
  private readonly stored = new Map<string, StoredRecord>()
  /** Visible values written by this transaction (null: deleted). */
  private readonly values = new Map<string, RecordValue | null>()
  /** Versions written by this transaction. */
  private readonly versions = new Map<string, number>()
  /** null: no snapshot. */
  private readonly confirmedRows = new Map<string, Snapshot | null>()
  private readonly confirmedDirty = new Set<string>()
  private readonly outboxRows: OutboxRows
  private stateRow: StateRow | undefined
  private stateDirty = false
  /** Tables found empty when this transaction probed them (what it wrote since is in the maps). */
  private readonly empty = new Set<string>()

  constructor(
    private readonly trans: Transaction,
    private readonly schema: Schema,
  ) {
    this.outboxRows = new OutboxRows(this.outboxReader())
  }

  /**
   * Reads the rows `want` names for many records at once, so later gets hit memory: one round of
   * requests issued together, and a second for the outbox rows of records with pending changes.
   * A batch of more than EAGER_RECORDS records first probes the tables it would read and skips
   * the empty ones (a first sync reads nothing; an import into a local-only replica reads no
   * version), and reads the whole outbox when it is small rather than each record's rows.
   */
  async prefetch(records: readonly { col: string; key: string }[], want: PrefetchWant = READ_ALL): Promise<void> {
    const big = records.length > EAGER_RECORDS
    if (big) {
      await this.probe(want, records)
      // A catch-up asks every record's pending changes: a small outbox is cheaper read whole.
      if (want.pending === true && !this.outboxRows.whole && (await this.outboxMeta()).count <= OUTBOX_IN_MEMORY) await this.outboxRows.readWhole()
    }
    const pendingByRecord = want.pending !== undefined && want.pending !== false && !this.outboxRows.whole
    const reads: Promise<unknown>[] = []
    if (want.visible || want.version || pendingByRecord) reads.push(this.load(records))
    if (want.confirmed && !this.empty.has(CONFIRMED)) reads.push(this.loadConfirmed(records))
    if (want.state) reads.push(this.readStateRow())
    await Promise.all(reads)
    // Only records with a value or a `_versions` row can have pending changes: both carry the rows.
    if (pendingByRecord) await this.outboxRows.readIds(records.flatMap(({ col, key }) => this.stored.get(rk(col, key))?.rows ?? []))
  }

  /** Finds which of the tables `want` would read for `records` are empty (one request each, together). */
  private async probe(want: PrefetchWant, records: readonly { col: string; key: string }[]): Promise<void> {
    const tables = new Set<string>()
    if (want.visible || want.version || want.pending) {
      for (const { col } of records) if (this.schema.has(col)) tables.add(col)
      tables.add(VERSIONS)
    }
    if (want.confirmed) tables.add(CONFIRMED)
    if (want.pending && !this.outboxRows.whole) tables.add(OUTBOX)
    const names = [...tables].filter((t) => !this.empty.has(t))
    const keys = await Promise.all(names.map((t) => request<unknown[]>(this.native(t).getAllKeys(null, 1))))
    names.forEach((t, i) => {
      if (keys[i]?.length) return
      this.empty.add(t)
      if (t === OUTBOX) this.outboxRows.knownEmpty()
    })
  }

  /** Reads the value row and `_versions` row of every record not read yet: one round, issued together. */
  private async load(records: readonly { col: string; key: string }[]): Promise<void> {
    const wanted = new Map<string, { col: string; key: string }>()
    for (const r of records) {
      const k = rk(r.col, r.key)
      if (!this.stored.has(k)) wanted.set(k, r)
    }
    if (!wanted.size) return
    const list = [...wanted.values()]
    const byCol = new Map<string, { col: string; key: string }[]>()
    for (const r of list) {
      if (!this.schema.has(r.col) || this.empty.has(r.col)) continue
      let keys = byCol.get(r.col)
      if (!keys) byCol.set(r.col, (keys = []))
      keys.push(r)
    }
    const valueRows = new Map<string, ValueRow | undefined>()
    const reads: Promise<unknown>[] = []
    for (const [col, rs] of byCol) {
      const store = this.native(col)
      const keys = rs.map((r) => r.key)
      reads.push(
        this.noneBetween(col, keys).then((none) =>
          none ? undefined : Promise.all(keys.map((key) => request<ValueRow | undefined>(store.get(key)).then((row) => valueRows.set(rk(col, key), row)))),
        ),
      )
    }
    let versionRows: (VersionRow | undefined)[] = []
    if (!this.empty.has(VERSIONS)) {
      const pairs = list.map((r): [string, string] => [r.col, r.key])
      reads.push(this.noneBetween(VERSIONS, pairs).then(async (none) => (versionRows = none ? [] : await this.getMany<VersionRow>(VERSIONS, pairs))))
    }
    await Promise.all(reads)
    list.forEach((r, i) => {
      const k = rk(r.col, r.key)
      if (this.stored.has(k)) return
      const row = valueRows.get(k)
      const versionRow = versionRows[i]
      if (row) {
        const { version, rows } = metaOf(row)
        // A fresh structured clone from IndexedDB, not shared with Dexie's caches: strip in place.
        delete row[META]
        this.stored.set(k, { value: row as RecordValue, version, rows, versionRow: versionRow !== undefined })
      } else {
        this.stored.set(k, { value: null, version: versionRow?.version ?? 0, rows: versionRow?.p ?? [], versionRow: versionRow !== undefined })
      }
    })
  }

  /**
   * Whether a table holds no key between the smallest and the largest of `keys`: one request
   * that spares a get per key when it does not. An import of keys that sort after (or between)
   * the stored ones, such as time-ordered ids, reads nothing; random ids pay this one request on
   * top of their gets. Small batches skip it (a local write's latency).
   */
  private async noneBetween(table: string, keys: readonly (string | readonly string[])[]): Promise<boolean> {
    if (keys.length <= EAGER_RECORDS) return false
    let low = keys[0] as string | readonly string[]
    let high = low
    for (const key of keys) {
      if (compareKeys(key, low) < 0) low = key
      if (compareKeys(key, high) > 0) high = key
    }
    const range = this.keyRange().bound(low, high)
    return (await request<unknown[]>(this.native(table).getAllKeys(range, 1))).length === 0
  }

  private keyRange(): KeyRangeStatic {
    return (this.trans.db as unknown as { _deps: { IDBKeyRange: KeyRangeStatic } })._deps.IDBKeyRange
  }

  private async loadConfirmed(records: readonly { col: string; key: string }[]): Promise<void> {
    const pairs: [string, string][] = []
    const seen = new Set<string>()
    for (const { col, key } of records) {
      const k = rk(col, key)
      if (this.confirmedRows.has(k) || seen.has(k)) continue
      seen.add(k)
      pairs.push([col, key])
    }
    if (!pairs.length) return
    const rows = await this.getMany<ConfirmedRow>(CONFIRMED, pairs)
    pairs.forEach(([col, key], i) => {
      const k = rk(col, key)
      const row = rows[i]
      if (!this.confirmedRows.has(k)) this.confirmedRows.set(k, row ? { value: row.value } : null)
    })
  }

  private async record(col: string, key: string): Promise<StoredRecord> {
    const k = rk(col, key)
    if (!this.stored.has(k)) await this.load([{ col, key }])
    return this.stored.get(k) as StoredRecord
  }

  /** Rows of a table by key, or undefined: one request each, issued together. */
  private getMany<R>(table: string, keys: readonly (readonly string[])[]): Promise<(R | undefined)[]> {
    const store = this.native(table)
    return Promise.all(keys.map((key) => request<R | undefined>(store.get(key))))
  }

  /** A table of this transaction as IndexedDB itself has it. */
  private native(table: string): NativeStore {
    return (this.trans.idbtrans as unknown as { objectStore(name: string): NativeStore }).objectStore(table)
  }

  private outboxReader(): OutboxReader {
    const store = (): NativeStore => this.native(OUTBOX)
    const range = (): KeyRangeStatic => this.keyRange()
    return {
      byIds: (ids) => Promise.all(ids.map((id) => request<OutboxRow | undefined>(store().get(id)))),
      ofWriter: (writer, n) => request<OutboxRow[]>(store().index('[writer+n]').getAll(range().bound([writer, Dexie.minKey], [writer, n]))),
      afterOrd: (ord, count) => request<OutboxRow[]>(store().index('ord').getAll(ord === Number.NEGATIVE_INFINITY ? null : range().lowerBound(ord, true), count)),
      all: () => request<OutboxRow[]>(store().getAll()),
    }
  }

  async getVisible(col: string, key: string): Promise<RecordValue | undefined> {
    const k = rk(col, key)
    if (this.values.has(k)) return this.values.get(k) ?? undefined
    return (await this.record(col, key)).value ?? undefined
  }

  async putVisible(col: string, key: string, value: RecordValue | undefined): Promise<void> {
    if (!this.schema.has(col)) return
    const k = rk(col, key)
    // Deleting a record known to have no value is the common case of a delete pulled for it: skip.
    if (value === undefined && !this.values.has(k) && (this.stored.get(k)?.value === null || (!this.stored.has(k) && this.empty.has(col)))) return
    // The table is keyed by `id`; a record always carries its own key.
    this.values.set(k, value === undefined ? null : value['id'] === key ? value : { ...value, id: key })
  }

  async getConfirmed(col: string, key: string): Promise<Snapshot | undefined> {
    const k = rk(col, key)
    if (!this.confirmedRows.has(k)) {
      const row = this.empty.has(CONFIRMED) ? undefined : (await this.getMany<ConfirmedRow>(CONFIRMED, [[col, key]]))[0]
      this.confirmedRows.set(k, row ? { value: row.value } : null)
    }
    return this.confirmedRows.get(k) ?? undefined
  }

  async putConfirmed(col: string, key: string, snapshot: Snapshot | undefined): Promise<void> {
    const k = rk(col, key)
    // Removing a snapshot known to be absent is the common case (no pending change): skip it.
    if (snapshot === undefined && !this.confirmedDirty.has(k) && (this.confirmedRows.get(k) === null || (!this.confirmedRows.has(k) && this.empty.has(CONFIRMED)))) return
    this.confirmedRows.set(k, snapshot ?? null)
    this.confirmedDirty.add(k)
  }

  async getVersion(col: string, key: string): Promise<number> {
    const k = rk(col, key)
    if (this.versions.has(k)) return this.versions.get(k) ?? 0
    return (await this.record(col, key)).version
  }

  async putVersion(col: string, key: string, version: number): Promise<void> {
    const k = rk(col, key)
    if (!this.versions.has(k) && this.stored.get(k)?.version === version) return
    this.versions.set(k, version)
  }

  async pendingFor(col: string, key: string): Promise<Change[]> {
    if (this.outboxRows.whole) return this.outboxRows.pendingFor(col, key, [])
    return this.outboxRows.pendingFor(col, key, (await this.record(col, key)).rows)
  }

  /**
   * The outbox's first `limit` changes by `ord` (all without a limit). A limit reads rows in
   * `ord` order only until it has them: a push, and a write that plans one, do not read a long
   * offline outbox whole.
   */
  outbox(limit?: number): Promise<Change[]> {
    return this.outboxRows.first(limit)
  }

  outboxThrough(writer: string, through: number): Promise<Change[]> {
    if (through < 1) return Promise.resolve([])
    return this.outboxRows.through(writer, through)
  }

  async addOutbox(change: Change): Promise<void> {
    this.outboxRows.add(change)
  }

  async removeOutbox(writer: string, n: number): Promise<void> {
    this.outboxRows.remove(writer, n)
  }

  async outboxCount(): Promise<number> {
    if (this.outboxRows.whole) return this.outboxRows.heldCount()
    return (await this.outboxMeta()).count + (await this.outboxRows.delta())
  }

  async putConflict(conflict: ConflictRecord): Promise<void> {
    const table = this.trans.table<ConflictRow, number>(CONFLICTS)
    const existing = await table.get(conflict.id)
    await table.put(existing?.dismissed ? { id: conflict.id, record: conflict, dismissed: true } : { id: conflict.id, record: conflict })
  }

  async getConflict(id: number): Promise<ConflictRecord | undefined> {
    return (await this.trans.table<ConflictRow, number>(CONFLICTS).get(id))?.record
  }

  async openConflicts(): Promise<ConflictRecord[]> {
    const rows = await this.trans.table<ConflictRow, number>(CONFLICTS).toArray()
    return rows.map((row) => row.record).filter((record) => record.open === true && record.closedBy === undefined)
  }

  async localKeys(col: string): Promise<string[]> {
    const keys = new Set<string>()
    if (this.schema.has(col)) for (const key of await this.trans.table<ValueRow, string>(col).toCollection().primaryKeys()) keys.add(key)
    const within = <R>(table: string): Promise<R[]> => this.trans.table<R>(table).where('[col+key]').between([col, Dexie.minKey], [col, Dexie.maxKey], true, true).toArray()
    for (const row of await within<VersionRow>(VERSIONS)) if ((row.version ?? 0) > 0) keys.add(row.key)
    for (const row of await within<ConfirmedRow>(CONFIRMED)) keys.add(row.key)
    const add = (k: string): void => {
      const [c, key] = splitRk(k)
      if (c === col) keys.add(key)
    }
    for (const [k, value] of this.values) if (value !== null) add(k)
    for (const [k, version] of this.versions) if (version !== 0) add(k)
    for (const [k, snapshot] of this.confirmedRows) if (snapshot !== null) add(k)
    return [...keys]
  }

  async getState(): Promise<ReplicaState> {
    return structuredClone((await this.readStateRow()).value)
  }

  async putState(state: ReplicaState): Promise<void> {
    const row = await this.readStateRow()
    this.stateRow = { ...row, value: structuredClone(state) }
    this.stateDirty = true
  }

  private async readStateRow(): Promise<StateRow> {
    if (!this.stateRow) {
      const row = await request<StateRow | undefined>(this.native(STATE).get('replica'))
      if (!row) throw new Error('the replica database has no _state row (not opened through DexieReplicaStore.open)')
      this.stateRow ??= row
    }
    return this.stateRow
  }

  private async outboxMeta(): Promise<OutboxMeta> {
    return (await this.readStateRow()).outbox ?? { nextRow: 1, count: 0 }
  }

  /**
   * Writes everything buffered: one bulk request per table, all issued before any is awaited.
   * Call once, at the end of the body. First the rows it must keep part of: records it writes
   * without having read them (unless the whole outbox and both value and version are known), and
   * the outbox rows of removals it never read. Within a table, deletes go before puts (their
   * keys are disjoint); IndexedDB runs the requests in the order they were issued.
   */
  async flush(): Promise<void> {
    let plan: OutboxPlan | undefined
    if (this.outboxRows.changed) {
      const meta = await this.outboxMeta()
      plan = await this.outboxRows.plan(meta.nextRow)
      const row = await this.readStateRow()
      this.stateRow = { ...row, outbox: { nextRow: plan.nextRow, count: Math.max(0, meta.count + plan.delta) } }
      this.stateDirty = true
    } else if (this.outboxRows.whole) {
      // Nothing to write, but a whole outbox makes every record's pending rows exact (holders).
      plan = await this.outboxRows.plan(0)
    }
    const dirty = new Set<string>([...this.values.keys(), ...this.versions.keys(), ...(plan?.newRowsOf.keys() ?? [])])
    const blind = this.outboxRows.whole
    await this.load([...dirty].filter((k) => !this.stored.has(k) && !(blind && this.values.has(k) && this.versions.has(k))).map((k) => {
      const [col, key] = splitRk(k)
      return { col, key }
    }))
    const writes: Promise<unknown>[] = []
    this.flushRecords(writes, dirty, plan)
    this.flushConfirmed(writes)
    if (plan) {
      const table = this.trans.table<OutboxRow, number>(OUTBOX)
      if (plan.deletes.length) writes.push(table.bulkDelete(plan.deletes))
      if (plan.puts.length) writes.push(table.bulkPut(plan.puts))
    }
    if (this.stateDirty && this.stateRow) writes.push(this.trans.table<StateRow, string>(STATE).put(this.stateRow))
    await Promise.all(writes)
  }

  /**
   * The value rows and `_versions` rows of the records this transaction changed: a record with a
   * value is one value row carrying its metadata, a record without one a `_versions` row if it
   * has a version or pending changes; the other row is deleted where it may exist.
   */
  private flushRecords(writes: Promise<unknown>[], dirty: ReadonlySet<string>, plan: OutboxPlan | undefined): void {
    const puts = new Map<string, ValueRow[]>()
    const deletes = new Map<string, string[]>()
    const versionPuts: VersionRow[] = []
    const versionDeletes: [string, string][] = []
    const push = <T>(map: Map<string, T[]>, col: string, item: T): void => {
      let list = map.get(col)
      if (!list) map.set(col, (list = []))
      list.push(item)
    }
    for (const k of dirty) {
      const [col, key] = splitRk(k)
      const stored = this.stored.get(k)
      const value = this.values.has(k) ? (this.values.get(k) ?? null) : (stored?.value ?? null)
      const version = this.versions.get(k) ?? stored?.version ?? 0
      const rows = this.pendingRowsOf(col, key, stored, plan)
      const mayHaveValueRow = stored ? stored.value !== null : this.schema.has(col) && !this.empty.has(col)
      const mayHaveVersionRow = stored ? stored.versionRow : !this.empty.has(VERSIONS)
      if (value !== null && this.schema.has(col)) {
        push(puts, col, withMeta(value, toMeta(version, rows)))
        if (mayHaveVersionRow) versionDeletes.push([col, key])
        continue
      }
      if (mayHaveValueRow && this.schema.has(col)) push(deletes, col, key)
      const meta = toMeta(version, rows)
      if (meta) versionPuts.push(versionRow(col, key, meta))
      else if (mayHaveVersionRow) versionDeletes.push([col, key])
    }
    for (const [col, keys] of deletes) writes.push(this.trans.table<ValueRow, string>(col).bulkDelete(keys))
    for (const [col, rows] of puts) writes.push(this.trans.table<ValueRow, string>(col).bulkPut(rows))
    if (versionDeletes.length) writes.push(this.trans.table<VersionRow, [string, string]>(VERSIONS).bulkDelete(versionDeletes))
    if (versionPuts.length) writes.push(this.trans.table<VersionRow, [string, string]>(VERSIONS).bulkPut(versionPuts))
  }

  /** The outbox rows a record's metadata lists after this transaction: exact when the whole outbox is known, a superset otherwise. */
  private pendingRowsOf(col: string, key: string, stored: StoredRecord | undefined, plan: OutboxPlan | undefined): number[] {
    if (this.outboxRows.whole && plan) return plan.holders(col, key)
    const fresh = plan?.newRowsOf.get(rk(col, key)) ?? []
    const kept = (stored?.rows ?? []).filter((id) => !plan || plan.mayHold(id, col, key))
    return [...new Set([...kept, ...fresh])]
  }

  private flushConfirmed(writes: Promise<unknown>[]): void {
    const puts: ConfirmedRow[] = []
    const deletes: [string, string][] = []
    for (const k of this.confirmedDirty) {
      const snapshot = this.confirmedRows.get(k)
      const [col, key] = splitRk(k)
      if (!snapshot) deletes.push([col, key])
      else puts.push(snapshot.value === undefined ? { col, key } : { col, key, value: snapshot.value })
    }
    const table = this.trans.table<ConfirmedRow, [string, string]>(CONFIRMED)
    if (deletes.length) writes.push(table.bulkDelete(deletes))
    if (puts.length) writes.push(table.bulkPut(puts))
  }
}

/**
 * The native store and request, as far as this file uses them: typed here because the runtime is
 * also compiled (with its tests) without the DOM or WebWorker types.
 */
interface NativeStore {
  get(key: unknown): unknown
  getAll(query?: unknown, count?: number): unknown
  getAllKeys(query: unknown, count: number): unknown
  index(name: string): { getAll(query: unknown, count?: number): unknown }
}
interface KeyRangeStatic {
  bound(lower: unknown, upper: unknown): unknown
  lowerBound(lower: unknown, open: boolean): unknown
}
interface NativeRequest {
  readonly result: unknown
  readonly error: unknown
  onsuccess: (() => void) | null
  onerror: (() => void) | null
}

/** A native request as a promise (the transaction stays active: it resolves in the success event's microtasks). */
function request<T>(pending: unknown): Promise<T> {
  const req = pending as NativeRequest
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T)
    req.onerror = () => reject(req.error ?? new Error('an IndexedDB request failed'))
  })
}
