import { Dexie, type Table, type Transaction } from 'dexie'
import type { Change, ConflictRecord, RecordValue, Schema } from '@accord/core'
import type { ReplicaState, ReplicaTx } from '@accord/core/internal'
import { CONFIRMED, CONFLICTS, OUTBOX, STATE, VERSIONS, type ConfirmedRow, type ConflictRow, type StateRow, type VersionRow } from './tables.js'

/** Up to this many outbox rows are read into memory at once; a bigger outbox is queried by index. */
const OUTBOX_IN_MEMORY = 2_000

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
 * `prefetch` reads the rows of many records with one `bulkGet` per table. The outbox is held in
 * memory while it is small. The caller must run `flush()` before the transaction completes
 * (DexieReplicaStore does); everything stays in the one transaction, so atomicity is unchanged.
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

  constructor(
    private readonly trans: Transaction,
    private readonly schema: Schema,
  ) {}

  private visible(col: string): Table<RecordValue, string> | undefined {
    return this.schema.has(col) ? this.trans.table<RecordValue, string>(col) : undefined
  }

  /** Reads the rows of many records at once (one bulkGet per table), so later gets hit memory. */
  async prefetch(records: readonly { col: string; key: string }[]): Promise<void> {
    const byCol = new Map<string, string[]>()
    const pairs: [string, string][] = []
    for (const { col, key } of records) {
      const k = rk(col, key)
      if (!this.visibleRows.has(k) && this.schema.has(col)) {
        let keys = byCol.get(col)
        if (!keys) byCol.set(col, (keys = []))
        if (!keys.includes(key)) keys.push(key)
      }
      if (!this.confirmedRows.has(k) || !this.versionRows.has(k)) pairs.push([col, key])
    }
    for (const [col, keys] of byCol) {
      const rows = await (this.visible(col) as Table<RecordValue, string>).bulkGet(keys)
      keys.forEach((key, i) => this.visibleRows.set(rk(col, key), rows[i] ?? null))
    }
    if (!pairs.length) return
    if (!this.outboxRows) {
      // Pending changes of these records: one index request instead of one per record.
      const wanted = pairs.filter(([col, key]) => !this.pendingRows.has(rk(col, key)))
      if (wanted.length) {
        for (const [col, key] of wanted) this.pendingRows.set(rk(col, key), [])
        for (const c of await this.outboxTable().where('[col+key]').anyOf(wanted).toArray()) this.pendingRows.get(rk(c.col, c.key))?.push(c)
      }
    }
    const confirmed = await this.trans.table<ConfirmedRow, [string, string]>(CONFIRMED).bulkGet(pairs)
    const versions = await this.trans.table<VersionRow, [string, string]>(VERSIONS).bulkGet(pairs)
    pairs.forEach(([col, key], i) => {
      const k = rk(col, key)
      const row = confirmed[i]
      if (!this.confirmedRows.has(k)) this.confirmedRows.set(k, row ? { value: row.value } : null)
      if (!this.versionRows.has(k)) this.versionRows.set(k, versions[i]?.version ?? 0)
    })
  }

  async getVisible(col: string, key: string): Promise<RecordValue | undefined> {
    const k = rk(col, key)
    if (!this.visibleRows.has(k)) this.visibleRows.set(k, (await this.visible(col)?.get(key)) ?? null)
    return this.visibleRows.get(k) ?? undefined
  }

  async putVisible(col: string, key: string, value: RecordValue | undefined): Promise<void> {
    if (!this.schema.has(col)) return
    const k = rk(col, key)
    if (value === undefined && this.visibleRows.get(k) === null && !this.visibleDirty.has(k)) return
    // The table is keyed by `id`; a record always carries its own key.
    this.visibleRows.set(k, value === undefined ? null : value['id'] === key ? value : { ...value, id: key })
    this.visibleDirty.add(k)
  }

  async getConfirmed(col: string, key: string): Promise<Snapshot | undefined> {
    const k = rk(col, key)
    if (!this.confirmedRows.has(k)) {
      const row = await this.trans.table<ConfirmedRow>(CONFIRMED).get([col, key])
      this.confirmedRows.set(k, row ? { value: row.value } : null)
    }
    return this.confirmedRows.get(k) ?? undefined
  }

  async putConfirmed(col: string, key: string, snapshot: Snapshot | undefined): Promise<void> {
    const k = rk(col, key)
    // Removing a snapshot known to be absent is the common case (no pending change): skip it.
    if (snapshot === undefined && this.confirmedRows.get(k) === null && !this.confirmedDirty.has(k)) return
    this.confirmedRows.set(k, snapshot ?? null)
    this.confirmedDirty.add(k)
  }

  async getVersion(col: string, key: string): Promise<number> {
    const k = rk(col, key)
    if (!this.versionRows.has(k)) this.versionRows.set(k, (await this.trans.table<VersionRow>(VERSIONS).get([col, key]))?.version ?? 0)
    return this.versionRows.get(k) ?? 0
  }

  async putVersion(col: string, key: string, version: number): Promise<void> {
    const k = rk(col, key)
    if (this.versionRows.get(k) === version && !this.versionDirty.has(k)) return
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

  async outbox(limit?: number): Promise<Change[]> {
    let all: Change[]
    if (this.outboxRows) all = [...this.outboxRows.values()].sort(byOrd)
    else {
      all = this.merge(await this.outboxTable().orderBy('ord').toArray(), () => true)
      // Held while small: later pendingFor/outboxThrough in this transaction read memory.
      if (all.length <= OUTBOX_IN_MEMORY) this.outboxRows = new Map(all.map((c) => [ok(c.writer, c.n), c]))
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

  /** Writes everything buffered: one bulk request per table. Call once, at the end of the body. */
  async flush(): Promise<void> {
    const puts = new Map<string, RecordValue[]>()
    const deletes = new Map<string, string[]>()
    for (const k of this.visibleDirty) {
      const [col, key] = splitRk(k)
      const value = this.visibleRows.get(k)
      if (value) (puts.get(col) ?? puts.set(col, []).get(col))?.push(value)
      else (deletes.get(col) ?? deletes.set(col, []).get(col))?.push(key)
    }
    for (const [col, keys] of deletes) await (this.visible(col) as Table<RecordValue, string>).bulkDelete(keys)
    for (const [col, rows] of puts) await (this.visible(col) as Table<RecordValue, string>).bulkPut(rows)
    await this.flushKeyed(this.confirmedDirty, (k) => {
      const snapshot = this.confirmedRows.get(k)
      const [col, key] = splitRk(k)
      return snapshot ? (snapshot.value === undefined ? { col, key } : { col, key, value: snapshot.value }) : undefined
    }, CONFIRMED)
    await this.flushKeyed(this.versionDirty, (k) => {
      const version = this.versionRows.get(k) ?? 0
      const [col, key] = splitRk(k)
      return version === 0 ? undefined : { col, key, version }
    }, VERSIONS)
    if (this.outboxRemoved.size) await this.outboxTable().bulkDelete([...this.outboxRemoved].map(splitOk))
    if (this.outboxAdded.size) await this.outboxTable().bulkPut([...this.outboxAdded.values()])
    if (this.stateDirty && this.state) await this.trans.table<StateRow, string>(STATE).put({ key: 'replica', value: this.state })
  }

  private async flushKeyed<R>(dirty: Set<string>, row: (k: string) => R | undefined, table: string): Promise<void> {
    const puts: R[] = []
    const deletes: [string, string][] = []
    for (const k of dirty) {
      const value = row(k)
      if (value === undefined) deletes.push(splitRk(k))
      else puts.push(value)
    }
    if (deletes.length) await this.trans.table<R, [string, string]>(table).bulkDelete(deletes)
    if (puts.length) await this.trans.table<R, [string, string]>(table).bulkPut(puts)
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
