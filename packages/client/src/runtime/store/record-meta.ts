/**
 * What the store keeps about a record besides its value (DESIGN §5): the hub version confirmed
 * here and the outbox rows that may hold its pending changes. It rides inside the record's value
 * row under one reserved property, so a record costs one row, not one per table (BENCHMARKS.md,
 * P2 and P7); a record without a visible value keeps it in a `_versions` row instead. Every read
 * that hands a value to the app strips it.
 */
import type { RecordValue } from '@accord/core'

/** The reserved property of a value row. The leading NUL keeps it apart from any field an app writes. */
export const META = '\u0000accord'

/** A record's metadata as stored: both parts left out when empty. */
export interface RecordMeta {
  /** The hub version confirmed here (absent = 0). */
  v?: number
  /** Ids of the outbox rows that may hold the record's pending changes (a superset: stale ids are harmless). */
  p?: number[]
}

/** A value row: the app's value with the store's metadata under `META`. */
export type ValueRow = { [field: string]: unknown; [META]?: RecordMeta }

/** The app's value of a stored row: the row itself when it carries no metadata, else a copy without it. */
export function stripMeta(row: ValueRow): RecordValue
export function stripMeta(row: ValueRow | undefined): RecordValue | undefined
export function stripMeta(row: ValueRow | undefined): RecordValue | undefined {
  if (row === undefined || !(META in row)) return row as RecordValue | undefined
  const { [META]: _meta, ...value } = row
  return value as RecordValue
}

/** A value row for `value` with `meta` (the value itself when there is none). */
export function withMeta(value: RecordValue, meta: RecordMeta | undefined): ValueRow {
  return meta ? { ...value, [META]: meta } : value
}

/** The metadata of a stored row (absent parts empty). */
export function metaOf(row: { [META]?: RecordMeta } | undefined): { version: number; rows: number[] } {
  const meta = row?.[META]
  return { version: meta?.v ?? 0, rows: meta?.p ?? [] }
}

/** The metadata to store: undefined when there is none. */
export function toMeta(version: number, rows: readonly number[]): RecordMeta | undefined {
  if (version === 0 && rows.length === 0) return undefined
  const meta: RecordMeta = {}
  if (version !== 0) meta.v = version
  if (rows.length) meta.p = [...rows]
  return meta
}
