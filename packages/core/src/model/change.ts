import type { JsonValue, RecordValue } from './json.js'

/** Fields and their values: the `set` of a change or commit. */
export type FieldValues = { [field: string]: JsonValue }

/** The operation of a change. */
export type ChangeOp = 'put' | 'patch' | 'delete'

/**
 * What a replica sends: one local write to one record (DESIGN §3). A local transaction is a run of
 * changes of one writer with the same `tx`, the last carrying `txEnd`.
 */
export interface Change {
  /** Writer id: a fresh random id each time a runtime opens the database. */
  writer: string
  /** Per-writer counter, contiguous from 1: the idempotency key and the order. */
  n: number
  /** The replica's id, for identity, `by` and conflict detection. */
  replica: string
  /** Local transaction id (per writer). */
  tx: number
  /** Set on the last change of its transaction. */
  txEnd?: true
  col: string
  key: string
  /** HLC of the write. */
  hlc: string
  op: ChangeOp
  /** Database-wide order of the replica's changes, across its writers. */
  ord: number
  /** Plain fields written (put: every plain field of the record). */
  set?: FieldValues
  /** Plain fields removed (a put lists every plain field it omits). */
  unset?: string[]
  /** The written plain fields as the writer saw them before the write; an absent key was absent. */
  prev?: FieldValues
  /** This change resolves the open manual() conflict with this id. */
  resolves?: number
  /** Counter deltas. */
  inc?: { [field: string]: number }
  /** Set-field elements to add. */
  add?: { [field: string]: JsonValue[] }
  /** Set-field elements to remove. */
  remove?: { [field: string]: JsonValue[] }
  /** Hub version of the record as this replica had it confirmed (0 = none). */
  base: number
  /** For a field an own still-pending change also writes: the base of that pending change. */
  fieldBase?: { [field: string]: number }
}

/** A refused local transaction, as the writer is told. */
export interface RejectedTx {
  writer: string
  tx: number
  code: string
}

/**
 * What the hub decided: one per settled change (DESIGN §3). `set` holds resulting values (counters
 * and sets included, as absolute values); a commit that creates or resurrects a record carries the
 * whole record in `set`. A no-op commit (a lost or rejected change) writes nothing and keeps
 * `pv` = the record's version.
 */
export interface Commit {
  seq: number
  /** The record's version before this commit. */
  pv: number
  col: string
  key: string
  set?: FieldValues
  unset?: string[]
  del?: true
  /** HLC of each field written. */
  hlc: { [field: string]: string }
  /** Whose change this settled. */
  by?: string
  writer?: string
  /** The settled change's `n`. */
  through?: number
  tx?: number
  /** Set when the settled change's transaction was refused. */
  rejected?: string
  conflict?: ConflictRecord
  /** Manual conflicts this commit closed. */
  resolved?: number[]
}

/** Every conflict or refusal the hub settles (DESIGN §4). Conflicts are data, never exceptions. */
export interface ConflictRecord {
  /** The seq of the commit that settled it. */
  id: number
  col: string
  key: string
  /** The policy that decided: 'fieldMerge', 'lastWriterWins', 'rejectConflicts', 'custom', 'manual', or 'hub' for refusals. */
  policy: string
  /** The conflicting fields (empty for a refusal that was not a conflict). */
  fields: string[]
  /** The conflicting fields as the writer saw them before its write. */
  base: FieldValues
  /** The incoming change's written values (undefined for a delete). */
  local: FieldValues | undefined
  /** The hub's record before the decision (undefined if absent or deleted). */
  remote: RecordValue | undefined
  /** The record after the decision (undefined if deleted or absent). */
  result: RecordValue | undefined
  /** Whether the change's whole transaction was refused. */
  rejected: boolean
  /** 'conflict' or the refusal's code. */
  code: string
  tx: number
  writer: string
  /** The replica whose change it was. */
  by: string
  /** The hub's HLC when it decided. */
  at: string
  /** For manual(): whether it awaits resolution. */
  open?: true
  /** The seq that resolved a manual conflict (0: closed in history the hub has since purged). */
  closedBy?: number
  /** A refusal: seen only by its writer. */
  private?: true
}

/** The acknowledgement of a push (DESIGN §3 rule 4). */
export interface PushAck {
  through: { [writer: string]: number }
  /** Last commit of the batch (head if nothing new). */
  seq: number
  rejected: RejectedTx[]
}

/** A record as the hub keeps it. */
export type { RecordValue }
