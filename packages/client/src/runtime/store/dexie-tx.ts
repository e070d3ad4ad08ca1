import { Dexie, type Table, type Transaction } from 'dexie'
import type { Change, ConflictRecord, RecordValue, Schema } from '@accord/core'
import type { PrefetchWant, ReplicaState, ReplicaTx } from '@accord/core/internal'
import { CONFIRMED, CONFLICTS, OUTBOX, STATE, VERSIONS, type ConfirmedRow, type ConflictRow, type StateRow, type VersionRow } from './tables.js'

/** Up to this many outbox rows are read into memory at once; a bigger outbox is queried by index. */
const OUTBOX_IN_MEMORY = 2_000

/**
 * A prefetch of up to this many records reads every row it may need in one round of requests
 * (a local write waits on it: latency). A bigger one first asks which tables are empty and then
 * reads only what it can find (an import or a catch-up: throughput).
 */
const EAGER_RECORDS = 16

const READ_ALL: PrefetchWant = { visible: true, confirmed: true, version: true, pending: true, state: true }

type Snapshot = { value: RecordValue | undefined }
const rk = (col: string, key: string): string => `${col}\u0000${key}`
const splitRk = (k: string): [string, string] => {
  const at = k.indexOf('\u0000')
  return [k.slice(0, at), k.slice(at + 1)]
}
const ok = (writer: string, n: number): string => `${writer}\u0000${n}`
const byOrd = (a: Change, b: Change): number => a.ord - b.ord

/**
 * core's `ReplicaTx` on the tables of one Dexie database, inside one read-write transaction.
 *
 * Reads are cached and writes buffered in memory, then written by `flush()` with one bulk request
 * per table before the transaction ends: the engine works record by record, and awaiting each
 * IndexedDB request in turn cost 10–25× the raw bulk calls (BENCHMARKS.md, P2 and P7).
 * `prefetch` reads the rows of many records at once, and only the rows the engine says it will
 * read, skipping tables it finds empty. Requests that do not depend on each other are issued
 * together and awaited together (IndexedDB runs them in order anyway), which spares the worker a
 * round trip per request; what a write costs beyond that is the rows it writes (BENCHMARKS.md,
 * P1). The outbox is held in memory while it is small.
 * The caller must run `flush()` before the transaction completes (DexieReplicaStore does);
 * everything stays in the one transaction, so atomicity is unchanged.
 *
 * Reads of the internal tables go to IndexedDB directly (`idbtrans`): they need none of Dexie's
 * middleware. Writes go through Dexie, so its live queries see them.
 *
 * Tables are taken from the transaction object itself, not from Dexie's zone: the engine's nested
 * async functions put many native microtask hops between two requests.
 */
export class DexieReplicaTx implements ReplicaTx {
  /** null: known absent. */
  private readonly visibleRows = new Map<string, RecordValue | null>()
  private readonly visibleDirty = new Set<string>()
  /** null: no snapshot. */
  private readonly confirmedRows = new Map<string, Snapshot | null>()
  private readonly confirmedDirty = new Set<string>()
  private readonly versionRows = new Map<string, number>()
  private readonly versionDirty = new Set<string>()
  /** The whole outbox, when it was read whole and small enough to hold (writes applied). */
  private outboxRows: Map<string, Change> | undefined
  /** Stored pending changes per record, as read (this transaction's writes are merged on read). */
  private readonly pendingRows = new Map<string, Change[]>()
  private readonly outboxAdded = new Map<string, Change>()
  private readonly outboxRemoved = new Set<string>()
  private state: ReplicaState | undefined
  private stateDirty = false
  /** Tables found empty when this transaction probed them (what it wrote since is in the maps). */
  private readonly empty = new Set<string>()

  constructor(
    private readonly trans: Transaction,
    private readonly schema: Schema,
  ) {}

  private visible(col: string): Table<RecordValue, string> | undefined {
    return this.schema.has(col) ? this.trans.table<RecordValue, string>(col) : undefined
  }

  /**
   * Reads the rows `want` names for many records at once, so later gets hit memory: one round of
   * requests issued together. A batch of more than EAGER_RECORDS records first probes the tables
   * it would read and skips the empty ones (a first sync reads nothing; an import into a
   * local-only replica reads no version), and reads pending changes last, for the records where
   * `want.pending` asks for them.
   */
  async prefetch(records: readonly { col: string; key: string }[], want: PrefetchWant = READ_ALL): Promise<void> {
    const big = records.length > EAGER_RECORDS
    if (big) await this.probe(want, records)
    const byCol = new Map<string, string[]>()
    const pairs: [string, string][] = []
    const confirmed = want.confirmed === true && !this.empty.has(CONFIRMED)
    const version = want.version === true && !this.empty.has(VERSIONS)
    const seen = new Set<string>()
    for (const { col, key } of records) {
      const k = rk(col, key)
      if (seen.has(k)) continue
      seen.add(k)
      if (want.visible && !this.visibleRows.has(k) && this.schema.has(col) && !this.empty.has(col)) {
        let keys = byCol.get(col)
        if (!keys) byCol.set(col, (keys = []))
        keys.push(key)
      }
      if ((confirmed && !this.confirmedRows.has(k)) || (version && !this.versionRows.has(k))) pairs.push([col, key])
    }
    const reads: Promise<unknown>[] = []
    for (const [col, keys] of byCol) {
      reads.push(
        (this.visible(col) as Table<RecordValue, string>).bulkGet(keys).then((rows) => keys.forEach((key, i) => this.visibleRows.set(rk(col, key), rows[i] ?? null))),
      )
    }
    if (pairs.length && confirmed) {
      reads.push(
        this.getMany<ConfirmedRow>(CONFIRMED, pairs).then((rows) =>
          pairs.forEach(([col, key], i) => {
            const k = rk(col, key)
            const row = rows[i]
            if (!this.confirmedRows.has(k)) this.confirmedRows.set(k, row ? { value: row.value } : null)
          }),
        ),
      )
    }
    if (pairs.length && version) {
      reads.push(
        this.getMany<VersionRow>(VERSIONS, pairs).then((rows) =>
          pairs.forEach(([col, key], i) => {
            const k = rk(col, key)
            if (!this.versionRows.has(k)) this.versionRows.set(k, rows[i]?.version ?? 0)
          }),
        ),
      )
    }
    if (want.pending === true || (want.pending === 'ifPresent' && !big)) reads.push(this.readPending(records))
    if (want.state && !this.state) reads.push(this.getState())
    await Promise.all(reads)
    if (want.pending === 'ifPresent' && big) {
      // Only records that exist here can have pending changes a write reads (see commitWrite).
      await this.readPending(records.filter(({ col, key }) => (this.visibleRows.get(rk(col, key)) ?? null) !== null || (this.versionRows.get(rk(col, key)) ?? 0) > 0))
    }
  }

  /** Finds which of the tables `want` would read for `records` are empty (one request each, together). */
  private async probe(want: PrefetchWant, records: readonly { col: string; key: string }[]): Promise<void> {
    const tables = new Set<string>()
    if (want.visible) for (const { col } of records) if (this.schema.has(col)) tables.add(col)
    if (want.confirmed) tables.add(CONFIRMED)
    if (want.version) tables.add(VERSIONS)
    if (want.pending && !this.outboxRows) tables.add(OUTBOX)
    const names = [...tables].filter((t) => !this.empty.has(t))
    const keys = await Promise.all(names.map((t) => request<unknown[]>(this.native(t).getAllKeys(null, 1))))
    names.forEach((t, i) => {
      if (keys[i]?.length) return
      this.empty.add(t)
      // An empty outbox is an outbox known whole: every later read of it is answered in memory.
      if (t === OUTBOX) this.outboxRows = new Map([...this.outboxAdded].filter(([k]) => !this.outboxRemoved.has(k)))
    })
  }

  /** Reads the stored pending changes of these records: one index request each, issued together. */
  private async readPending(records: readonly { col: string; key: string }[]): Promise<void> {
    if (this.outboxRows) return
    const wanted: [string, string][] = []
    for (const { col, key } of records) {
      const k = rk(col, key)
      if (this.pendingRows.has(k)) continue
      this.pendingRows.set(k, [])
      wanted.push([col, key])
    }
    if (!wanted.length) return
    const index = this.native(OUTBOX).index('[col+key]')
    const rows = await Promise.all(wanted.map((pair) => request<Change[]>(index.getAll(pair))))
    wanted.forEach(([col, key], i) => this.pendingRows.set(rk(col, key), rows[i] ?? []))
  }

  /** Rows of an internal table by key, or undefined: one request each, issued together. */
  private getMany<R>(table: string, keys: readonly (readonly string[])[]): Promise<(R | undefined)[]> {
    const store = this.native(table)
    return Promise.all(keys.map((key) => request<R | undefined>(store.get(key))))
  }

  /** A table of this transaction as IndexedDB itself has it. */
  private native(table: string): NativeStore {
    return (this.trans.idbtrans as unknown as { objectStore(name: string): NativeStore }).objectStore(table)
  }

  async getVisible(col: string, key: string): Promise<RecordValue | undefined> {
    const k = rk(col, key)
    if (!this.visibleRows.has(k)) this.visibleRows.set(k, this.empty.has(col) ? null : ((await this.visible(col)?.get(key)) ?? null))
    return this.visibleRows.get(k) ?? undefined
  }

  async putVisible(col: string, key: string, value: RecordValue | undefined): Promise<void> {
    if (!this.schema.has(col)) return
    const k = rk(col, key)
    if (value === undefined && !this.visibleDirty.has(k) && (this.visibleRows.get(k) === null || (!this.visibleRows.has(k) && this.empty.has(col)))) return
    // The table is keyed by `id`; a record always carries its own key.
    this.visibleRows.set(k, value === undefined ? null : value['id'] === key ? value : { ...value, id: key })
    this.visibleDirty.add(k)
  }

  async getConfirmed(col: string, key: string): Promise<Snapshot | undefined> {
    const k = rk(col, key)
    if (!this.confirmedRows.has(k)) {
      const row = this.empty.has(CONFIRMED) ? undefined : await this.trans.table<ConfirmedRow>(CONFIRMED).get([col, key])
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
    if (!this.versionRows.has(k)) this.versionRows.set(k, this.empty.has(VERSIONS) ? 0 : ((await this.trans.table<VersionRow>(VERSIONS).get([col, key]))?.version ?? 0))
    return this.versionRows.get(k) ?? 0
  }

  async putVersion(col: string, key: string, version: number): Promise<void> {
    const k = rk(col, key)
    if (!this.versionDirty.has(k) && (this.versionRows.get(k) ?? (this.empty.has(VERSIONS) ? 0 : undefined)) === version) return
    this.versionRows.set(k, version)
    this.versionDirty.add(k)
  }

  async pendingFor(col: string, key: string): Promise<Change[]> {
    const mine = (c: Change): boolean => c.col === col && c.key === key
    if (this.outboxRows) return [...this.outboxRows.values()].filter(mine).sort(byOrd)
    const k = rk(col, key)
    let stored = this.pendingRows.get(k)
    if (!stored) this.pendingRows.set(k, (stored = await this.outboxTable().where('[col+key]').equals([col, key]).toArray()))
    return this.merge(stored, mine)
  }

  /**
   * The outbox's first `limit` changes by `ord` (all without a limit). A limit reads only the rows
   * it needs, plus as many as this transaction removed: a push, and a write that plans one, do not
   * read a long offline outbox whole.
   */
  async outbox(limit?: number): Promise<Change[]> {
    let all: Change[]
    if (this.outboxRows) all = [...this.outboxRows.values()].sort(byOrd)
    else {
      const want = limit === undefined ? undefined : limit + this.outboxRemoved.size
      const byOrdIndex = this.outboxTable().orderBy('ord')
      const stored = await (want === undefined ? byOrdIndex : byOrdIndex.limit(want)).toArray()
      all = this.merge(stored, () => true)
      // Held while read whole and small: later pendingFor/outboxThrough in this transaction read memory.
      const whole = want === undefined || stored.length < want
      if (whole && all.length <= OUTBOX_IN_MEMORY) this.outboxRows = new Map(all.map((c) => [ok(c.writer, c.n), c]))
    }
    return limit === undefined ? all : all.slice(0, limit)
  }

  async outboxThrough(writer: string, through: number): Promise<Change[]> {
    if (through < 1) return []
    const mine = (c: Change): boolean => c.writer === writer && c.n <= through
    if (this.outboxRows) return [...this.outboxRows.values()].filter(mine).sort(byOrd)
    return this.merge(await this.outboxTable().where('[writer+n]').between([writer, 1], [writer, through], true, true).toArray(), mine)
  }

  async addOutbox(change: Change): Promise<void> {
    const k = ok(change.writer, change.n)
    this.outboxRemoved.delete(k)
    this.outboxAdded.set(k, change)
    this.outboxRows?.set(k, change)
  }

  async removeOutbox(writer: string, n: number): Promise<void> {
    const k = ok(writer, n)
    this.outboxAdded.delete(k)
    this.outboxRemoved.add(k)
    this.outboxRows?.delete(k)
  }

  async outboxCount(): Promise<number> {
    if (!this.outboxAdded.size && !this.outboxRemoved.size && !this.outboxRows) return this.outboxTable().count()
    return (await this.outbox()).length
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
    const table = this.visible(col)
    if (table) for (const key of await table.toCollection().primaryKeys()) keys.add(key)
    for (const name of [CONFIRMED, VERSIONS]) {
      const rows = await this.trans.table<{ key: string }>(name).where('[col+key]').between([col, Dexie.minKey], [col, Dexie.maxKey], true, true).toArray()
      for (const row of rows) keys.add(row.key)
    }
    for (const map of [this.visibleRows, this.confirmedRows, this.versionRows]) {
      for (const [k, v] of map) {
        const [c, key] = splitRk(k)
        if (c === col && v !== null && v !== 0) keys.add(key)
      }
    }
    return [...keys]
  }

  async getState(): Promise<ReplicaState> {
    if (!this.state) {
      const row = await this.trans.table<StateRow, string>(STATE).get('replica')
      if (!row) throw new Error('the replica database has no _state row (not opened through DexieReplicaStore.open)')
      this.state = row.value
    }
    return structuredClone(this.state)
  }

  async putState(state: ReplicaState): Promise<void> {
    this.state = structuredClone(state)
    this.stateDirty = true
  }

  /**
   * Writes everything buffered: one bulk request per table, all issued before any is awaited.
   * Call once, at the end of the body. Within a table, deletes go before puts (their keys are
   * disjoint); IndexedDB runs the requests in the order they were issued.
   */
  async flush(): Promise<void> {
    const writes: Promise<unknown>[] = []
    const puts = new Map<string, RecordValue[]>()
    const deletes = new Map<string, string[]>()
    for (const k of this.visibleDirty) {
      const [col, key] = splitRk(k)
      const value = this.visibleRows.get(k)
      if (value) (puts.get(col) ?? puts.set(col, []).get(col))?.push(value)
      else (deletes.get(col) ?? deletes.set(col, []).get(col))?.push(key)
    }
    for (const [col, keys] of deletes) writes.push((this.visible(col) as Table<RecordValue, string>).bulkDelete(keys))
    for (const [col, rows] of puts) writes.push((this.visible(col) as Table<RecordValue, string>).bulkPut(rows))
    this.flushKeyed(writes, this.confirmedDirty, (k) => {
      const snapshot = this.confirmedRows.get(k)
      const [col, key] = splitRk(k)
      return snapshot ? (snapshot.value === undefined ? { col, key } : { col, key, value: snapshot.value }) : undefined
    }, CONFIRMED)
    this.flushKeyed(writes, this.versionDirty, (k) => {
      const version = this.versionRows.get(k) ?? 0
      const [col, key] = splitRk(k)
      return version === 0 ? undefined : { col, key, version }
    }, VERSIONS)
    if (this.outboxRemoved.size) writes.push(this.outboxTable().bulkDelete([...this.outboxRemoved].map(splitOk)))
    if (this.outboxAdded.size) writes.push(this.outboxTable().bulkPut([...this.outboxAdded.values()]))
    if (this.stateDirty && this.state) writes.push(this.trans.table<StateRow, string>(STATE).put({ key: 'replica', value: this.state }))
    await Promise.all(writes)
  }

  private flushKeyed<R>(writes: Promise<unknown>[], dirty: Set<string>, row: (k: string) => R | undefined, table: string): void {
    const puts: R[] = []
    const deletes: [string, string][] = []
    for (const k of dirty) {
      const value = row(k)
      if (value === undefined) deletes.push(splitRk(k))
      else puts.push(value)
    }
    if (deletes.length) writes.push(this.trans.table<R, [string, string]>(table).bulkDelete(deletes))
    if (puts.length) writes.push(this.trans.table<R, [string, string]>(table).bulkPut(puts))
  }

  /** Stored rows matching `keep`, with this transaction's buffered removals and additions applied. */
  private merge(stored: Change[], keep: (c: Change) => boolean): Change[] {
    const rows = new Map(stored.map((c) => [ok(c.writer, c.n), c]))
    for (const k of this.outboxRemoved) rows.delete(k)
    for (const [k, c] of this.outboxAdded) if (keep(c)) rows.set(k, c)
    return [...rows.values()].sort(byOrd)
  }

  private outboxTable(): Table<Change, [string, number]> {
    return this.trans.table<Change, [string, number]>(OUTBOX)
  }
}

function splitOk(k: string): [string, number] {
  const at = k.lastIndexOf('\u0000')
  return [k.slice(0, at), Number(k.slice(at + 1))]
}

/**
 * The native store and request, as far as this file uses them: typed here because the runtime is
 * also compiled (with its tests) without the DOM or WebWorker types.
 */
interface NativeStore {
  get(key: unknown): unknown
  getAllKeys(query: null, count: number): unknown
  index(name: string): { getAll(key: unknown): unknown }
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
