import type { Change, ConflictRecord } from '../model/change.js'
import type { RecordValue } from '../model/json.js'
import type { HubLimits } from '../protocol/messages.js'

/** Per-writer allocation state: next change number and next transaction id. */
export interface WriterAlloc {
  nextN: number
  nextTx: number
  /**
   * Set when the writer's pending changes moved to a derived writer: the runtime that owned it
   * must continue under a fresh one, or its next change would leave a hole in the numbering.
   */
  retired?: true
}

/** The replica's `_state` row (DESIGN §5). */
export interface ReplicaState {
  replicaId: string
  /**
   * The writer of the runtime that opened the database last. Informational: every runtime
   * allocates from its own writer (each open makes a fresh one), kept by the runtime itself.
   */
  writer: string
  /** Every writer of this database that may still have pending changes. */
  writers: { [writerId: string]: WriterAlloc }
  nextOrd: number
  /** Bound at the first handshake. */
  hub?: string
  space?: string
  principal?: string
  storeId?: string
  /** Highest seq applied contiguously. */
  cursor: number
  /** Last HLC issued or followed, so the clock never goes back across restarts. */
  hlc?: string
  /** hub time − local time, from the last handshake. */
  clockOffset: number
  /** Collections this replica has pulled (a new one is pulled from 0 first). */
  syncedCols: string[]
  limits?: HubLimits
  schemaVersion: number
}

/**
 * The tables of one replica inside one atomic transaction. Every method is I/O on the same
 * transaction, so an implementation on IndexedDB awaits nothing but IndexedDB inside it.
 */
export interface ReplicaTx {
  getVisible(col: string, key: string): Promise<RecordValue | undefined>
  /** Writes (or with `undefined`, deletes) the visible value the app reads. */
  putVisible(col: string, key: string, value: RecordValue | undefined): Promise<void>
  /**
   * The confirmed value snapshot, kept only while the record has pending changes and a confirmed
   * value: `undefined` when there is no snapshot (visible is confirmed when nothing is pending,
   * absent when something is); `{ value: undefined }` is read as confirmed absent too.
   */
  getConfirmed(col: string, key: string): Promise<{ value: RecordValue | undefined } | undefined>
  putConfirmed(col: string, key: string, snapshot: { value: RecordValue | undefined } | undefined): Promise<void>
  /** The hub version of the record as confirmed here (0 = none). */
  getVersion(col: string, key: string): Promise<number>
  putVersion(col: string, key: string, version: number): Promise<void>
  /** Pending changes of one record, in `ord` order. */
  pendingFor(col: string, key: string): Promise<Change[]>
  /** The whole outbox in `ord` order (up to `limit`). */
  outbox(limit?: number): Promise<Change[]>
  /** Outbox entries of one writer with n ≤ through. */
  outboxThrough(writer: string, through: number): Promise<Change[]>
  addOutbox(change: Change): Promise<void>
  removeOutbox(writer: string, n: number): Promise<void>
  outboxCount(): Promise<number>
  putConflict(conflict: ConflictRecord): Promise<void>
  getConflict(id: number): Promise<ConflictRecord | undefined>
  /** Every persisted conflict that is still open (manual, not closed). */
  openConflicts(): Promise<ConflictRecord[]>
  /** Keys of every record with a visible value, a confirmed snapshot or a version. */
  localKeys(col: string): Promise<string[]>
  /**
   * Optional: reads the rows of many records at once, so the gets that follow hit memory. The
   * engine calls it before working through a batch, saying which rows it will read (`want`; all
   * of them when omitted); a store without it is read record by record. A hint only: a row it did
   * not fetch is still read correctly when asked for.
   */
  prefetch?(records: readonly { col: string; key: string }[], want?: PrefetchWant): Promise<void>
  getState(): Promise<ReplicaState>
  putState(state: ReplicaState): Promise<void>
}

/** The rows a batch is about to read, per record (and the state row). */
export interface PrefetchWant {
  visible?: boolean
  confirmed?: boolean
  version?: boolean
  /**
   * Pending changes: `true` for every record; `'ifPresent'` only for records with a visible value
   * or a version (the only ones whose pending changes a local write reads, see `commitWrite`).
   */
  pending?: boolean | 'ifPresent'
  state?: boolean
}

/** The tables a transaction touches: the collections `cols`, plus `_conflicts` when `conflicts`. */
export interface TxScope {
  cols: readonly string[]
  conflicts?: boolean
}

/**
 * A replica's durable storage. `transaction` runs `body` atomically: all its writes become
 * visible together when it resolves, or none if it throws or the process dies first.
 */
export interface ReplicaStore {
  /**
   * `scope`, when given, promises that `body` touches only the records of those collections
   * (visible, confirmed, version, pending: a store may keep them all in the collection's table)
   * and the outbox and state, and `_conflicts` only when it says so; a store may lock only those.
   * Without it the transaction may touch anything.
   */
  transaction<T>(body: (tx: ReplicaTx) => Promise<T>, scope?: TxScope): Promise<T>
}
