/**
 * The Dexie tables of one replica database (DESIGN §5) and the rows of the internal ones. Each
 * collection has a table of visible values keyed by `id` with the schema's indexes, each row
 * carrying the record's version and pending-row ids (record-meta.ts); the internal tables start
 * with `_`, which no collection name may. The outbox holds one row per local transaction (split
 * at OUTBOX_ROW_CHANGES), not one per change: an import of 500 records writes 501 rows, not 1,000.
 */
import type { Change, ConflictRecord, RecordValue, Schema } from '@accord/core'
import type { ReplicaState } from '@accord/core/internal'
import type { RecordMeta } from './record-meta.js'

/**
 * The storage layout, the tenths of the IndexedDB version: Dexie version = schema version +
 * LAYOUT / 10. Layout 0 kept an outbox row per change and a `_versions` row per record; layout 1
 * is the one described above (migrate-layout.ts moves a database from 0 to 1).
 */
export const LAYOUT = 1
export const dexieVersion = (schemaVersion: number): number => schemaVersion + LAYOUT / 10

/** Internal table names (a collection name never starts with `_`). */
export const OUTBOX = '_outboxTx'
/** Layout 0's outbox (a row per change): read once by the migration; Dexie deletes it after (not in storesFor). */
export const OUTBOX_LAYOUT_0 = '_outbox'
export const CONFIRMED = '_confirmed'
export const VERSIONS = '_versions'
export const CONFLICTS = '_conflicts'
export const STATE = '_state'

/** The internal tables and their Dexie schema strings. */
const INTERNAL: { readonly [table: string]: string } = {
  // A row per local transaction: read in `ord` order (its first change's), and by writer and n.
  [OUTBOX]: 'id, ord, [writer+n]',
  [CONFIRMED]: '[col+key]',
  [VERSIONS]: '[col+key]',
  [CONFLICTS]: 'id',
  [STATE]: 'key',
}

/** A confirmed snapshot: present while the record has pending changes; no `value` = confirmed absent. */
export interface ConfirmedRow {
  col: string
  key: string
  value?: RecordValue
}

/**
 * The metadata of a record without a value row (deleted, or never confirmed, with a version or
 * pending changes); a record with a value row carries it there instead (record-meta.ts).
 */
export interface VersionRow {
  col: string
  key: string
  /** The hub version confirmed here (absent = 0). */
  version?: number
  /** Outbox rows that may hold its pending changes. */
  p?: number[]
}

/** The `_versions` row keeping `meta` of a record without a value row. */
export function versionRow(col: string, key: string, meta: RecordMeta): VersionRow {
  return { col, key, ...(meta.v ? { version: meta.v } : {}), ...(meta.p ? { p: meta.p } : {}) }
}

/** Most changes an outbox row holds: a push reads whole rows, so a row stays about one push's size. */
export const OUTBOX_ROW_CHANGES = 500

/** An outbox row: changes of one writer in `ord` order, most often one local transaction. */
export interface OutboxRow {
  /** Assigned from `OutboxMeta.nextRow`; record metadata lists it. */
  id: number
  /** The smallest `ord` and `n` among `changes` (rewritten with the row). */
  ord: number
  writer: string
  n: number
  changes: Change[]
}

/** Kept in the state row next to the engine's state, written in the same put. */
export interface OutboxMeta {
  nextRow: number
  /** How many changes the outbox holds (what `pending` shows). */
  count: number
}

export interface ConflictRow {
  id: number
  record: ConflictRecord
  /** Set once the app dismissed it; kept so a later pull of the same conflict does not resurrect it. */
  dismissed?: true
}

/** The one `_state` row holds the engine's ReplicaState, and the outbox's counters. */
export interface StateRow {
  key: 'replica'
  value: ReplicaState
  outbox?: OutboxMeta
}

/** The runtime's own `_state` row: when the replica was last caught up with its hub (ms since epoch). */
export interface LastSyncedRow {
  key: 'lastSyncedAt'
  value: number
}

/** Every table's Dexie schema string for a replica of `schema`. */
export function storesFor(schema: Schema): { [table: string]: string } {
  const stores: { [table: string]: string } = { ...INTERNAL }
  for (const name of schema.names) {
    const indexes = schema.collection(name).indexes.filter((index) => index.trim() !== 'id')
    stores[name] = ['id', ...indexes].join(', ')
  }
  return stores
}

/** Index names (as Dexie knows them) usable for single-field queries: plain, non-multiEntry. */
export function singleFieldIndexes(schema: Schema, col: string): Set<string> {
  const out = new Set<string>(['id'])
  for (const raw of schema.collection(col).indexes) {
    const index = raw.trim().replace(/^&/, '')
    if (/^[A-Za-z_$][\w$]*$/.test(index)) out.add(index)
  }
  return out
}
