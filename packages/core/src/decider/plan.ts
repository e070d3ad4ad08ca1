import type { FieldValues } from '../model/change.js'
import { cloneJson, cloneRecord, type JsonValue, type RecordValue } from '../model/json.js'
import { applyDeltas, emptyRecord } from '../model/record-ops.js'
import type { ResolvedCollection } from '../schema/define-schema.js'
import type { Change } from '../model/change.js'
import type { FieldMeta, HubRecordState } from './hub-record.js'

/** One plain field's new value; `remove` drops it. `w` absent: a value chosen by a policy. */
export interface FieldWrite {
  value?: JsonValue
  remove?: true
  hlc: string
  w?: string
}

/**
 * What a decision does to one record, before it becomes a record state and a commit:
 *   delete  → the record becomes a tombstone
 *   upsert  → start from `start` (the current value, the tombstone's, or a fresh record), write
 *             `writes`, then the change's counter/set deltas
 */
export type WritePlan =
  | { mode: 'delete'; hlc: string; w?: string }
  | {
      mode: 'upsert'
      start: 'current' | 'tombstone' | 'fresh'
      writes: Map<string, FieldWrite>
      /** The change whose counter/set deltas apply (always verbatim), if any. */
      deltas: Change | undefined
      /** Stamp for fields a fresh or resurrected record gains without a write of their own. */
      origin: { hlc: string; w?: string }
    }

/** The body of a commit: what replicas apply. */
export interface CommitBody {
  set?: FieldValues
  unset?: string[]
  del?: true
  hlc: { [field: string]: string }
}

/** Turns a plan into the record's next state and the commit body replicas apply. */
export function executePlan(
  record: HubRecordState | undefined,
  plan: WritePlan,
  ctx: { col: ResolvedCollection; key: string; seq: number },
): { record: HubRecordState; body: CommitBody } {
  const { col, key, seq } = ctx
  const wasLive = record !== undefined && !record.deleted
  if (plan.mode === 'delete') {
    if (!record) throw new Error('delete plan without a record')
    const meta: FieldMeta = plan.w === undefined ? { v: seq, hlc: plan.hlc } : { v: seq, hlc: plan.hlc, w: plan.w }
    const fields: { [f: string]: FieldMeta } = { ...record.fields }
    const hlc: { [f: string]: string } = {}
    for (const f of Object.keys(record.value)) {
      fields[f] = meta
      hlc[f] = plan.hlc
    }
    return {
      record: { col: col.name, key, value: record.value, deleted: true, version: seq, fields, del: meta },
      body: { del: true, hlc },
    }
  }

  // A fresh start is a new object already; any other start is copied before it is written.
  let value: RecordValue = plan.start === 'fresh' || !record ? emptyRecord(key, col) : { ...record.value, id: key }
  const fields: { [f: string]: FieldMeta } = { ...(record?.fields ?? {}) }
  const hlc: { [f: string]: string } = {}
  // Only a live record's commit lists the fields written; any other carries the whole value.
  const set: FieldValues | undefined = wasLive ? {} : undefined
  const unset: string[] = []
  // Fields stamped alike share one FieldMeta: nothing mutates them, and a change's fields are all
  // stamped with its HLC and writer.
  let meta: FieldMeta | undefined
  const stamp = (at: string, w: string | undefined): FieldMeta => {
    if (meta === undefined || meta.hlc !== at || meta.w !== w) meta = w === undefined ? { v: seq, hlc: at } : { v: seq, hlc: at, w }
    return meta
  }
  for (const [f, write] of plan.writes) {
    if (write.remove) {
      delete value[f]
      unset.push(f)
    } else {
      value[f] = cloneJson(write.value as JsonValue)
      if (set) set[f] = cloneJson(write.value as JsonValue)
    }
    fields[f] = stamp(write.hlc, write.w)
    hlc[f] = write.hlc
  }
  if (plan.deltas) {
    value = applyDeltas(value, plan.deltas)
    for (const f of deltaFieldNames(plan.deltas)) {
      if (set) set[f] = cloneJson(value[f] as JsonValue)
      fields[f] = stamp(plan.deltas.hlc, plan.deltas.writer)
      hlc[f] = plan.deltas.hlc
    }
  }
  if (plan.start === 'fresh' || !wasLive) {
    for (const f of Object.keys(value)) {
      if (!plan.writes.has(f) && (plan.start === 'fresh' || fields[f] === undefined)) {
        fields[f] = stamp(plan.origin.hlc, plan.origin.w)
        hlc[f] = plan.origin.hlc
      }
    }
  }
  // A write that changes nothing (a custom merge answering {} to a delete, an empty resolution) is
  // a no-op commit to replicas: it must leave the version alone, or their next `pv` check fails.
  const written = set !== undefined && Object.keys(set).length > 0
  const unchanged = wasLive && !written && unset.length === 0
  const version = unchanged ? (record as HubRecordState).version : seq
  const next: HubRecordState = { col: col.name, key, value, deleted: false, version, fields }
  if (record?.del) next.del = record.del
  // A replica holds nothing for an absent or deleted record: send the whole value.
  const body: CommitBody = set
    ? { ...(written ? { set } : {}), ...(unset.length ? { unset } : {}), hlc }
    : { set: cloneRecord(value), hlc }
  return { record: next, body }
}

function deltaFieldNames(change: Change): string[] {
  return [...new Set([...Object.keys(change.inc ?? {}), ...Object.keys(change.add ?? {}), ...Object.keys(change.remove ?? {})])]
}
