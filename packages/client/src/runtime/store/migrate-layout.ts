import type { Transaction } from 'dexie'
import type { Change, RecordValue, Schema } from '@accord/core'
import { META, toMeta, withMeta, type ValueRow } from './record-meta.js'
import { OUTBOX, OUTBOX_LAYOUT_0, OUTBOX_ROW_CHANGES, STATE, VERSIONS, type OutboxRow, type StateRow, type VersionRow, versionRow } from './tables.js'

const rk = (col: string, key: string): string => `${col}\u0000${key}`

/**
 * Moves a database written in storage layout 0 to layout 1 (tables.ts), inside Dexie's upgrade
 * transaction, so a crash leaves the old layout whole and the next open migrates again:
 * - the outbox's change rows become one row per writer and local transaction (split at
 *   OUTBOX_ROW_CHANGES), numbered from 1, in `ord` order;
 * - each `_versions` row of a record with a value row moves into that row;
 * - every record with pending changes lists their outbox rows in its metadata.
 * Dexie deletes the old outbox table after this. A database already in layout 1 (an upgrade for a
 * new schema version) has no old outbox, and nothing is done.
 */
export async function migrateLayout(trans: Transaction, schema: Schema): Promise<void> {
  if (!(trans.idbtrans as unknown as NativeUpgrade).db.objectStoreNames.contains(OUTBOX_LAYOUT_0)) return
  const old = (await trans.table<Change, [string, number]>(OUTBOX_LAYOUT_0).toArray()).sort((a, b) => a.ord - b.ord)
  const rows: OutboxRow[] = []
  const pendingRows = new Map<string, { col: string; key: string; ids: number[] }>()
  let open: OutboxRow | undefined
  for (const change of old) {
    const last = open?.changes[open.changes.length - 1]
    if (!open || !last || last.writer !== change.writer || last.tx !== change.tx || open.changes.length >= OUTBOX_ROW_CHANGES) {
      open = { id: rows.length + 1, ord: change.ord, writer: change.writer, n: change.n, changes: [] }
      rows.push(open)
    }
    open.changes.push(change)
    open.n = Math.min(open.n, change.n)
    const k = rk(change.col, change.key)
    const entry = pendingRows.get(k) ?? { col: change.col, key: change.key, ids: [] }
    if (entry.ids[entry.ids.length - 1] !== open.id) entry.ids.push(open.id)
    pendingRows.set(k, entry)
  }
  if (rows.length) await trans.table<OutboxRow, number>(OUTBOX).bulkPut(rows)

  const versions = await trans.table<VersionRow, [string, string]>(VERSIONS).toArray()
  const records = new Map<string, { col: string; key: string; version: number; ids: number[] }>()
  for (const row of versions) records.set(rk(row.col, row.key), { col: row.col, key: row.key, version: row.version ?? 0, ids: [] })
  for (const [k, { col, key, ids }] of pendingRows) {
    const record = records.get(k) ?? { col, key, version: 0, ids: [] }
    record.ids = ids
    records.set(k, record)
  }
  const byCol = new Map<string, { col: string; key: string; version: number; ids: number[] }[]>()
  for (const record of records.values()) {
    const list = byCol.get(record.col) ?? []
    list.push(record)
    byCol.set(record.col, list)
  }
  const versionPuts: VersionRow[] = []
  const versionDeletes: [string, string][] = []
  for (const [col, list] of byCol) {
    const values = schema.has(col) ? await trans.table<ValueRow, string>(col).bulkGet(list.map((r) => r.key)) : list.map(() => undefined)
    const puts: ValueRow[] = []
    list.forEach((record, i) => {
      const row = values[i]
      const meta = toMeta(record.version, record.ids)
      if (row) {
        const { [META]: _meta, ...value } = row
        puts.push(withMeta(value as RecordValue, meta))
        versionDeletes.push([record.col, record.key])
      } else if (meta) {
        versionPuts.push(versionRow(record.col, record.key, meta))
      }
    })
    if (puts.length) await trans.table<ValueRow, string>(col).bulkPut(puts)
  }
  if (versionDeletes.length) await trans.table<VersionRow, [string, string]>(VERSIONS).bulkDelete(versionDeletes)
  if (versionPuts.length) await trans.table<VersionRow, [string, string]>(VERSIONS).bulkPut(versionPuts)

  const state = trans.table<StateRow, string>(STATE)
  const row = await state.get('replica')
  if (row) await state.put({ ...row, outbox: { nextRow: rows.length + 1, count: old.length } })
}

/** The native upgrade transaction, as far as this file uses it (no DOM types in the runtime's build). */
interface NativeUpgrade {
  db: { objectStoreNames: { contains(name: string): boolean } }
}
