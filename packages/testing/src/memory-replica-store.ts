import type { Change, ConflictRecord, RecordValue } from '@accord/core'
import type { ReplicaState, ReplicaStore, ReplicaTx, TxScope } from '@accord/core/internal'

/** The durable contents of an in-memory replica database. */
export interface ReplicaData {
  visible: Map<string, RecordValue>
  confirmed: Map<string, { value: RecordValue | undefined }>
  versions: Map<string, number>
  outbox: Map<string, Change>
  conflicts: Map<number, ConflictRecord>
  state: ReplicaState
}

const rk = (col: string, key: string): string => `${col}\u0000${key}`
const ok = (writer: string, n: number): string => `${writer}\u0000${String(n).padStart(12, '0')}`
const copy = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T))

/**
 * A ReplicaStore in memory with the same atomicity as IndexedDB: a transaction's writes land
 * together when its body resolves, or not at all. Transactions run one at a time. `data` is what
 * survives a simulated crash; cloning it clones the database.
 */
export class MemoryReplicaStore implements ReplicaStore {
  data: ReplicaData
  /** Called after each committed transaction (the simulator's checks). */
  afterCommit: ((data: ReplicaData) => void) | undefined
  private queue: Promise<unknown> = Promise.resolve()

  constructor(initial: ReplicaState | ReplicaData) {
    this.data =
      'visible' in initial
        ? initial
        : { visible: new Map(), confirmed: new Map(), versions: new Map(), outbox: new Map(), conflicts: new Map(), state: copy(initial) }
  }

  /** A deep copy of the database, as a restored backup or a cloned profile would be. */
  cloneData(): ReplicaData {
    const d = this.data
    return {
      visible: new Map([...d.visible].map(([k, v]) => [k, copy(v)])),
      confirmed: new Map([...d.confirmed].map(([k, v]) => [k, copy(v)])),
      versions: new Map(d.versions),
      outbox: new Map([...d.outbox].map(([k, v]) => [k, copy(v)])),
      conflicts: new Map([...d.conflicts].map(([k, v]) => [k, copy(v)])),
      state: copy(d.state),
    }
  }

  transaction<T>(body: (tx: ReplicaTx) => Promise<T>, scope?: TxScope): Promise<T> {
    const run = this.queue.then(async () => {
      const tx = new MemoryTx(this.data, scope)
      const result = await body(tx)
      tx.commit()
      this.afterCommit?.(this.data)
      return result
    })
    this.queue = run.catch(() => undefined)
    return run
  }

  visibleRecords(col: string): Map<string, RecordValue> {
    const out = new Map<string, RecordValue>()
    const prefix = `${col}\u0000`
    for (const [k, v] of this.data.visible) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v)
    return out
  }
}

const DELETED = Symbol('deleted')
type Slot<T> = T | typeof DELETED

/** Reads see the transaction's own writes; writes are buffered until commit. */
class MemoryTx implements ReplicaTx {
  private visible = new Map<string, Slot<RecordValue>>()
  private confirmed = new Map<string, Slot<{ value: RecordValue | undefined }>>()
  private versions = new Map<string, number>()
  private outboxWrites = new Map<string, Slot<Change>>()
  private conflicts = new Map<number, ConflictRecord>()
  private state: ReplicaState | undefined

  constructor(
    private readonly data: ReplicaData,
    private readonly scope?: TxScope,
  ) {}

  /**
   * A scoped transaction may touch records of its collections only: a store may keep a record's
   * version and pending-change index in the collection's own table (the Dexie store does), which
   * a transaction that did not lock it cannot read. Holding the simulator's engine to it here
   * catches a path that would fail only in the browser.
   */
  private touch(col: string): void {
    if (this.scope && !this.scope.cols.includes(col)) throw new Error(`a transaction scoped to [${this.scope.cols.join(', ')}] touched a record of ${col}`)
  }

  private read<T>(local: Map<string, Slot<T>>, base: Map<string, T>, key: string): T | undefined {
    if (local.has(key)) {
      const v = local.get(key) as Slot<T>
      return v === DELETED ? undefined : copy(v)
    }
    return copy(base.get(key))
  }

  async getVisible(col: string, key: string): Promise<RecordValue | undefined> {
    this.touch(col)
    return this.read(this.visible, this.data.visible, rk(col, key))
  }
  async putVisible(col: string, key: string, value: RecordValue | undefined): Promise<void> {
    this.touch(col)
    this.visible.set(rk(col, key), value === undefined ? DELETED : copy(value))
  }
  async getConfirmed(col: string, key: string): Promise<{ value: RecordValue | undefined } | undefined> {
    this.touch(col)
    return this.read(this.confirmed, this.data.confirmed, rk(col, key))
  }
  async putConfirmed(col: string, key: string, snapshot: { value: RecordValue | undefined } | undefined): Promise<void> {
    this.touch(col)
    this.confirmed.set(rk(col, key), snapshot === undefined ? DELETED : copy(snapshot))
  }
  async getVersion(col: string, key: string): Promise<number> {
    this.touch(col)
    const k = rk(col, key)
    return this.versions.get(k) ?? this.data.versions.get(k) ?? 0
  }
  async putVersion(col: string, key: string, version: number): Promise<void> {
    this.touch(col)
    this.versions.set(rk(col, key), version)
  }
  private mergedOutbox(): Change[] {
    const merged = new Map(this.data.outbox)
    for (const [k, v] of this.outboxWrites) {
      if (v === DELETED) merged.delete(k)
      else merged.set(k, v)
    }
    // Changes are copied on write and never mutated by readers, so reads share them.
    return [...merged.values()].sort((a, b) => a.ord - b.ord)
  }
  async pendingFor(col: string, key: string): Promise<Change[]> {
    this.touch(col)
    return this.mergedOutbox().filter((c) => c.col === col && c.key === key)
  }
  async outbox(limit?: number): Promise<Change[]> {
    const all = this.mergedOutbox()
    return limit === undefined ? all : all.slice(0, limit)
  }
  async outboxThrough(writer: string, through: number): Promise<Change[]> {
    return this.mergedOutbox().filter((c) => c.writer === writer && c.n <= through)
  }
  async addOutbox(change: Change): Promise<void> {
    this.outboxWrites.set(ok(change.writer, change.n), copy(change))
  }
  async removeOutbox(writer: string, n: number): Promise<void> {
    this.outboxWrites.set(ok(writer, n), DELETED)
  }
  async outboxCount(): Promise<number> {
    return this.mergedOutbox().length
  }
  async putConflict(conflict: ConflictRecord): Promise<void> {
    this.conflicts.set(conflict.id, copy(conflict))
  }
  async getConflict(id: number): Promise<ConflictRecord | undefined> {
    return copy(this.conflicts.get(id) ?? this.data.conflicts.get(id))
  }
  async openConflicts(): Promise<ConflictRecord[]> {
    const all = new Map(this.data.conflicts)
    for (const [id, c] of this.conflicts) all.set(id, c)
    return [...all.values()].filter((c) => c.open && c.closedBy === undefined).map(copy)
  }
  /** Keys with a visible value, a confirmed snapshot or a version above 0, as this transaction sees them. */
  async localKeys(col: string): Promise<string[]> {
    const prefix = `${col}\u0000`
    const keys = new Set<string>()
    const candidates = new Set<string>()
    for (const map of [this.data.visible, this.data.confirmed, this.data.versions, this.visible, this.confirmed, this.versions]) {
      for (const k of map.keys()) if (k.startsWith(prefix)) candidates.add(k.slice(prefix.length))
    }
    for (const key of candidates) {
      if ((await this.getVisible(col, key)) !== undefined || (await this.getConfirmed(col, key)) !== undefined || (await this.getVersion(col, key)) > 0) keys.add(key)
    }
    return [...keys]
  }
  async getState(): Promise<ReplicaState> {
    return copy(this.state ?? this.data.state)
  }
  async putState(state: ReplicaState): Promise<void> {
    this.state = copy(state)
  }

  commit(): void {
    const d = this.data
    for (const [k, v] of this.visible) v === DELETED ? d.visible.delete(k) : d.visible.set(k, v)
    for (const [k, v] of this.confirmed) v === DELETED ? d.confirmed.delete(k) : d.confirmed.set(k, v)
    for (const [k, v] of this.versions) d.versions.set(k, v)
    for (const [k, v] of this.outboxWrites) v === DELETED ? d.outbox.delete(k) : d.outbox.set(k, v)
    for (const [k, v] of this.conflicts) d.conflicts.set(k, v)
    if (this.state) d.state = this.state
  }
}
