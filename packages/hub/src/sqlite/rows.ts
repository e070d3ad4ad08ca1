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
