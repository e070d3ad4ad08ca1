import type { ConflictRecord, FieldMeta, HubRecordState, PulledRecord, WriterState } from '@accord/core'

export interface SpaceRow {
  space: string
  store_id: string
  head: number
  purged_through: number
}

export interface RecordRow {
  col: string
  key: string
  version: number
  deleted: number
  value: string
  fields: string
  del: string | null
  hlc: string
}

export interface WriterRow {
  writer: string
  replica: string
  watermark: number
}

/** Values per record row, in column order: space, col, key, version, deleted, value, fields, del, hlc. */
export const RECORD_COLUMNS = 9

/** Writes a record state's row into `params` from `at`, in column order (`RECORD_COLUMNS` values). */
export function recordRow(space: string, state: HubRecordState, params: unknown[], at: number): void {
  params[at] = space
  params[at + 1] = state.col
  params[at + 2] = state.key
  params[at + 3] = state.version
  params[at + 4] = state.deleted ? 1 : 0
  params[at + 5] = JSON.stringify(state.value)
  params[at + 6] = fieldsJson(state.fields)
  params[at + 7] = state.del === undefined ? null : JSON.stringify(state.del)
  params[at + 8] = highestHlc(state)
}

export function conflictParams(space: string, record: ConflictRecord): Record<string, string | number | null> {
  return {
    space,
    id: record.id,
    col: record.col,
    replica: record.by,
    private: record.private ? 1 : 0,
    open: record.open ? 1 : 0,
    closed_by: record.closedBy ?? null,
    body: JSON.stringify(record),
  }
}

/** A field name JSON writes as it is between quotes. */
const PLAIN_KEY = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

/**
 * `JSON.stringify(fields)`, the same text, faster for what the decider writes: fields stamped by
 * one change share one FieldMeta object, which is serialized once. Anything else (a non-plain
 * object, a `toJSON`) goes through JSON.stringify as a whole.
 */
export function fieldsJson(fields: HubRecordState['fields']): string {
  const proto = Object.getPrototypeOf(fields) as unknown
  if ((proto !== Object.prototype && proto !== null) || typeof (fields as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(fields)
  let text = '{'
  let last: unknown
  let lastJson: string | undefined
  for (const key of Object.keys(fields)) {
    const meta: unknown = fields[key]
    if (meta !== last) {
      // A toJSON would be called with the key: only JSON.stringify of the whole passes it.
      if (typeof meta === 'object' && meta !== null && typeof (meta as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(fields)
      last = meta
      lastJson = JSON.stringify(meta)
    }
    // undefined, a function or a symbol: JSON leaves the member out.
    if (lastJson === undefined) continue
    text += `${text.length > 1 ? ',' : ''}${PLAIN_KEY.test(key) ? `"${key}"` : JSON.stringify(key)}:${lastJson}`
  }
  return `${text}}`
}

export function toRecordState(row: RecordRow): HubRecordState {
  const state: HubRecordState = {
    col: row.col,
    key: row.key,
    value: JSON.parse(row.value) as HubRecordState['value'],
    deleted: row.deleted === 1,
    version: row.version,
    fields: JSON.parse(row.fields) as HubRecordState['fields'],
  }
  if (row.del !== null) state.del = JSON.parse(row.del) as FieldMeta
  return state
}

export function toPulledRecord(row: RecordRow): PulledRecord {
  const pulled: PulledRecord = { col: row.col, key: row.key, version: row.version, hlc: row.hlc }
  if (row.deleted === 1) pulled.deleted = true
  else pulled.value = JSON.parse(row.value) as NonNullable<PulledRecord['value']>
  return pulled
}

export function toWriterState(row: WriterRow): WriterState {
  return { writer: row.writer, replica: row.replica, watermark: row.watermark }
}

export function toConflict(body: string): ConflictRecord {
  return JSON.parse(body) as ConflictRecord
}

/** The highest HLC among a record's fields and its delete: a pulling replica's clock follows it. */
function highestHlc(state: HubRecordState): string {
  let max = state.del?.hlc ?? ''
  for (const meta of Object.values(state.fields)) if (meta.hlc > max) max = meta.hlc
  return max
}
