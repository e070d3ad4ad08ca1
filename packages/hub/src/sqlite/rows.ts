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

/** A record state as the upsert binds it, in the order of its columns. */
export function recordRow(space: string, state: HubRecordState): [string, string, string, number, number, string, string, string | null, string] {
  return [
    space,
    state.col,
    state.key,
    state.version,
    state.deleted ? 1 : 0,
    JSON.stringify(state.value),
    JSON.stringify(state.fields),
    state.del === undefined ? null : JSON.stringify(state.del),
    highestHlc(state),
  ]
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

export function toConflict(body: string): ConflictRecord {
  return JSON.parse(body) as ConflictRecord
}

/** The highest HLC among a record's fields and its delete: a pulling replica's clock follows it. */
function highestHlc(state: HubRecordState): string {
  let max = state.del?.hlc ?? ''
  for (const meta of Object.values(state.fields)) if (meta.hlc > max) max = meta.hlc
  return max
}
