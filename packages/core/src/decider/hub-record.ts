import type { ConflictRecord } from '../model/change.js'
import type { RecordValue } from '../model/json.js'

/** Per-field bookkeeping on the hub: version, HLC, and the writer whose value stands verbatim. */
export interface FieldMeta {
  /** Seq of the commit that last wrote the field. */
  v: number
  hlc: string
  /** The writerId whose value was applied as sent; absent when a policy chose the value. */
  w?: string
}

/** A record as the hub keeps it: its value (the last value, for a tombstone) and field metadata. */
export interface HubRecordState {
  col: string
  key: string
  /** The current value, or the last value before a delete. */
  value: RecordValue
  deleted: boolean
  /** Seq of the record's last commit. */
  version: number
  fields: { [field: string]: FieldMeta }
  /** The latest delete, while the record is a tombstone or after it was resurrected. */
  del?: FieldMeta
}

/** A writer as the hub knows it: bound to one replica at first use, with its settled watermark. */
export interface WriterState {
  writer: string
  replica: string
  /** Highest `n` settled. */
  watermark: number
}

/**
 * The synchronous view of a space that the decider reads: a snapshot the hub loaded for the batch.
 * Everything the decider may touch must be in it.
 */
export interface DeciderView {
  /** The space's last seq. */
  readonly head: number
  record(col: string, key: string): HubRecordState | undefined
  writer(writer: string): WriterState | undefined
  conflict(id: number): ConflictRecord | undefined
}

export function recordKey(col: string, key: string): string {
  return `${col}\u0000${key}`
}

export function txKey(writer: string, tx: number): string {
  return `${writer}/${tx}`
}
