import type { FieldValues } from '../model/change.js'
import type { JsonValue, RecordValue } from '../model/json.js'

/** Per-field policy: how one field behaves inside a collection policy. */
export type FieldPolicy = CounterField | SetField | LwwField

/** `counter()`: the field is a number changed by deltas that add up; never a conflict. */
export interface CounterField {
  readonly kind: 'counter'
}
/** `set()`: the field is an array changed by add/remove deltas in hub order; never a conflict. */
export interface SetField {
  readonly kind: 'set'
}
/** Per-field last-writer-wins by HLC (the default inside fieldMerge). */
export interface LwwField {
  readonly kind: 'lww'
}

/** Options every collection policy takes: counter and set fields, and per-field overrides. */
export interface PolicyOptions {
  fields?: { [field: string]: FieldPolicy }
}

/** What a custom merge function receives (DESIGN §4). Pure data: no wall clock. */
export interface CustomMergeInput {
  /** The conflicting fields as the writer saw them before its write. */
  base: FieldValues
  /** The incoming change's written fields (a removed field is undefined); undefined for a delete. */
  local: { [field: string]: JsonValue | undefined } | undefined
  /** The hub's current record; undefined if it was deleted. */
  remote: RecordValue | undefined
  /** The conflicting field names. */
  fields: string[]
  meta: CustomMergeMeta
}

export interface CustomMergeMeta {
  col: string
  key: string
  /** HLC of the incoming change. */
  localHlc: string
  /** HLC of each conflicting field on the hub. */
  remoteHlc: { [field: string]: string }
  replica: string
  writer: string
  tx: number
  /** The incoming change's op. */
  op: 'put' | 'patch' | 'delete'
}

/** Returned by a custom merge function to refuse the incoming change's whole transaction. */
export const reject: unique symbol = Symbol.for('accord.reject')
export type Reject = typeof reject

/**
 * A custom merge's answer: values for the conflicting fields (a field set to undefined is removed),
 * `null` to have the record deleted, or `reject`.
 */
export type CustomMergeResult = { [field: string]: JsonValue | undefined } | null | Reject

export type CustomMergeFn = (input: CustomMergeInput) => CustomMergeResult

export interface FieldMergePolicy extends PolicyOptions {
  readonly kind: 'fieldMerge'
}
export interface LastWriterWinsPolicy extends PolicyOptions {
  readonly kind: 'lastWriterWins'
}
export interface RejectConflictsPolicy extends PolicyOptions {
  readonly kind: 'rejectConflicts'
}
export interface CustomPolicy extends PolicyOptions {
  readonly kind: 'custom'
  readonly merge: CustomMergeFn
}
export interface ManualPolicy extends PolicyOptions {
  readonly kind: 'manual'
}

/** A collection's merge policy. */
export type CollectionPolicy = FieldMergePolicy | LastWriterWinsPolicy | RejectConflictsPolicy | CustomPolicy | ManualPolicy
