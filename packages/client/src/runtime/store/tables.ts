/**
 * The Dexie tables of one replica database (DESIGN §5) and the rows of the internal ones. Each
 * collection has a table of visible values keyed by `id` with the schema's indexes; the internal
 * tables start with `_`, which no collection name may.
 */
import type { Change, ConflictRecord, RecordValue, Schema } from '@accord/core'
import type { ReplicaState } from '@accord/core/internal'

/** Internal table names (a collection name never starts with `_`). */
export const OUTBOX = '_outbox'
export const CONFIRMED = '_confirmed'
export const VERSIONS = '_versions'
export const CONFLICTS = '_conflicts'
export const STATE = '_state'

/** The internal tables and their Dexie schema strings. */
const INTERNAL: { readonly [table: string]: string } = {
  // Keyed by writer + n (the hub's idempotency key); sent and replayed in `ord` order.
  [OUTBOX]: '[writer+n], ord, [col+key]',
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

/** The hub version of a record as confirmed here (absent = 0). */
export interface VersionRow {
  col: string
  key: string
  version: number
}

export interface ConflictRow {
  id: number
  record: ConflictRecord
  /** Set once the app dismissed it; kept so a later pull of the same conflict does not resurrect it. */
  dismissed?: true
}

/** The one `_state` row holds the engine's ReplicaState. */
export interface StateRow {
  key: 'replica'
  value: ReplicaState
}

/** The runtime's own `_state` row: when the replica was last caught up with its hub (ms since epoch). */
export interface LastSyncedRow {
  key: 'lastSyncedAt'
  value: number
}

/** An outbox row is the change itself, keyed by `[writer+n]`. */
export type OutboxRow = Change

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
