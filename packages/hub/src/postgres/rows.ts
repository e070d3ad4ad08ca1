import type { BatchDecision, ConflictRecord, FieldMeta, HubRecordState, PulledRecord, SpaceInfo, WriterState } from '@accord/core'

// node-postgres returns bigint columns as strings (they may exceed 2^53); seqs and watermarks
// stay far below that, so they are read back as numbers.

/** A row of `spaces`: the space's counter (`head`) and identity. */
export interface SpaceRow {
  space: string
  store_id: string
  head: string
  purged_through: string
}

/** A row of `records`: the record's value and field metadata as JSON text. */
export interface RecordRow {
  col: string
  key: string
  version: string
  deleted: boolean
  value: string
  fields: string
  del: string | null
  hlc: string
}

/** A row of `writers`: the replica a writer is bound to and its watermark. */
export interface WriterRow {
  writer: string
  replica: string
  watermark: string
}

/** A ConflictRecord as opened (JSON text) and the seq that closed it, if any. */
export interface ConflictRow {
  body: string
  closed_by: string | null
}

/** A space row as core's `SpaceInfo`. */
export function toSpaceInfo(row: SpaceRow): SpaceInfo {
  return { space: row.space, storeId: row.store_id, head: Number(row.head), purgedThrough: Number(row.purged_through) }
}

/** A record row as the decider reads it. */
export function toRecordState(row: RecordRow): HubRecordState {
  const state: HubRecordState = {
    col: row.col,
    key: row.key,
    value: JSON.parse(row.value) as HubRecordState['value'],
    deleted: row.deleted,
    version: Number(row.version),
    fields: JSON.parse(row.fields) as HubRecordState['fields'],
  }
  if (row.del !== null) state.del = JSON.parse(row.del) as FieldMeta
  return state
}

/** A record row as a catch-up page carries it: the value, or a tombstone without one. */
export function toPulledRecord(row: Omit<RecordRow, 'fields' | 'del'>): PulledRecord {
  const pulled: PulledRecord = { col: row.col, key: row.key, version: Number(row.version), hlc: row.hlc }
  if (row.deleted) pulled.deleted = true
  else pulled.value = JSON.parse(row.value) as NonNullable<PulledRecord['value']>
  return pulled
}

/** A writer row as the decider reads it. */
export function toWriterState(row: WriterRow): WriterState {
  return { writer: row.writer, replica: row.replica, watermark: Number(row.watermark) }
}

/** A ConflictRecord as stored when it opened, with the seq that closed it (a column) applied. */
export function toConflict(row: ConflictRow): ConflictRecord {
  const record = JSON.parse(row.body) as ConflictRecord
  return row.closed_by === null ? record : { ...record, closedBy: Number(row.closed_by) }
}

/**
 * A decision's writes as column arrays (one parameter each). Serializing here means a value that
 * JSON cannot encode throws before anything is written. A record written twice keeps its last state.
 */
export function batchParams(decision: BatchDecision) {
  const records = [...new Map(decision.records.map((r) => [`${r.col}\u0000${r.key}`, r])).values()]
  const writers = [...new Map(decision.writers.map((w) => [w.writer, w])).values()]
  return {
    records: [
      records.map((r) => r.col),
      records.map((r) => r.key),
      records.map((r) => r.version),
      records.map((r) => r.deleted),
      records.map((r) => JSON.stringify(r.value)),
      records.map((r) => JSON.stringify(r.fields)),
      records.map((r) => (r.del === undefined ? null : JSON.stringify(r.del))),
      records.map(highestHlc),
    ],
    writers: [writers.map((w) => w.writer), writers.map((w) => w.replica), writers.map((w) => w.watermark)],
    conflicts: [
      decision.conflicts.map((c) => c.id),
      decision.conflicts.map((c) => c.col),
      decision.conflicts.map((c) => c.by),
      decision.conflicts.map((c) => c.private === true),
      decision.conflicts.map((c) => c.open === true),
      decision.conflicts.map((c) => c.closedBy ?? null),
      decision.conflicts.map((c) => JSON.stringify(c)),
    ],
    closed: [decision.closed.map((c) => c.id), decision.closed.map((c) => c.closedBy)],
    counts: { records: records.length, writers: writers.length, conflicts: decision.conflicts.length, closed: decision.closed.length },
  }
}

/** The highest HLC among a record's fields and its delete: a pulling replica's clock follows it. */
function highestHlc(state: HubRecordState): string {
  let max = state.del?.hlc ?? ''
  for (const meta of Object.values(state.fields)) if (meta.hlc > max) max = meta.hlc
  return max
}
