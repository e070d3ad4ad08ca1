import type { Change, ConflictRecord, FieldValues } from '../model/change.js'
import type { JsonValue, RecordValue } from '../model/json.js'
import { prevOmitted } from '../model/prev.js'
import { deltaFields, pickFields, unexpected, writtenPlainFields } from '../model/record-ops.js'
import { reject, type CustomMergeInput, type CustomPolicy } from '../policies/types.js'
import type { ResolvedCollection } from '../schema/define-schema.js'
import type { HubRecordState } from './hub-record.js'
import type { FieldWrite, WritePlan } from './plan.js'

export interface DecideChangeInput {
  /** The change, its HLC already replaced if it ran too far ahead. */
  change: Change
  /** The record as it stands before this change (batch and transaction effects included). */
  record: HubRecordState | undefined
  col: ResolvedCollection
  /** Whether a writer is one of this connection's (its own earlier values never conflict). */
  own: (writer: string | undefined) => boolean
  /** The hub's current HLC, stamped on values a policy chose. */
  hubHlc: () => string
  conflict: (id: number) => ConflictRecord | undefined
}

/** A conflict before it gets its id (the seq) and its result. */
export interface ConflictDraft {
  policy: string
  fields: string[]
  base: FieldValues
  local: FieldValues | undefined
  remote: RecordValue | undefined
  open?: true
}

/**
 * One change's fate:
 *   write  → the plan is applied (possibly merged, with a conflict recorded)
 *   noop   → the change is lost (conflict recorded) or had nothing to do
 *   reject → its whole transaction is refused
 */
export type ChangeDecision =
  | { kind: 'write'; plan: WritePlan; conflict?: ConflictDraft; resolves?: number }
  | { kind: 'noop'; conflict?: ConflictDraft }
  | { kind: 'reject'; code: string; message: string; conflict?: ConflictDraft }

/**
 * The change conflicts but came without `prev`, which the conflict's `base` needs: it cannot be
 * decided as sent (its push is refused `prev_required` and comes again with `prev`).
 */
export interface PrevRequired {
  kind: 'prevRequired'
}

const PREV_REQUIRED: PrevRequired = { kind: 'prevRequired' }

/**
 * Decides one change against the hub's record by the collection's policy (DESIGN §3 rule 3, §4).
 * Every path that reads `prev` (a conflict's `base`, a `custom` merge's `base`) starts from a
 * detected conflict; a change without `prev` stops there.
 */
export function decideChange(input: DecideChangeInput): ChangeDecision | PrevRequired {
  const { change, record } = input
  if (change.resolves !== undefined) {
    const open = input.conflict(change.resolves)
    if (open?.open && open.closedBy === undefined && open.col === change.col && open.key === change.key) {
      return { kind: 'write', plan: upsertPlan(change, startFor(change, record), { chosen: input.hubHlc() }), resolves: open.id }
    }
  }
  if (change.op === 'delete') return decideDelete(input)
  if (!record) {
    if (change.op === 'patch') return refuse('missing_record', `${change.col}/${change.key} does not exist on the hub`)
    return { kind: 'write', plan: upsertPlan(change, 'fresh') }
  }
  if (record.deleted) {
    const del = record.del
    const deleteConflict = del !== undefined && del.v > change.base && !input.own(del.w)
    if (!deleteConflict) return { kind: 'write', plan: upsertPlan(change, startFor(change, record)) }
    return prevOmitted(change) ? PREV_REQUIRED : decideAgainstDelete(input, record)
  }
  const fields = conflictingFields(record, change, writtenPlainFields(change), input.own)
  if (fields.length === 0) return { kind: 'write', plan: upsertPlan(change, 'current') }
  return prevOmitted(change) ? PREV_REQUIRED : decideFieldConflict(input, record, fields)
}

/**
 * Fields whose hub version is newer than what the writer had seen, unless its own writer put it there.
 * `id` never conflicts: it is the key, equal on both sides (two concurrent creates conflict only on
 * their other fields).
 */
export function conflictingFields(record: HubRecordState, change: Change, fields: readonly string[], own: (w: string | undefined) => boolean): string[] {
  return fields.filter((f) => {
    if (f === 'id') return false
    const meta = record.fields[f]
    const base = change.fieldBase?.[f] ?? change.base
    return meta !== undefined && meta.v > base && !own(meta.w)
  })
}

function decideDelete(input: DecideChangeInput): ChangeDecision {
  const { change, record, col } = input
  if (!record || record.deleted) return { kind: 'noop' }
  const allFields = Object.keys(record.value).filter((f) => f !== 'id')
  const fields = conflictingFields(record, change, allFields, input.own)
  const deletePlan: WritePlan = { mode: 'delete', hlc: change.hlc, w: change.writer }
  if (fields.length === 0) return { kind: 'write', plan: deletePlan }
  const conflict = draft(input, fields, record.value)
  const policy = col.policy
  switch (policy.kind) {
    case 'fieldMerge':
    case 'lastWriterWins':
      return change.hlc > maxFieldHlc(record, fields) ? { kind: 'write', plan: deletePlan, conflict } : { kind: 'noop', conflict }
    case 'rejectConflicts':
      return refuse('conflict', 'the record changed since this delete was written', conflict)
    case 'manual':
      return { kind: 'noop', conflict: { ...conflict, open: true } }
    case 'custom': {
      const result = runCustom(policy, input, fields, record.value)
      if (result.kind === 'reject') return result.decision
      if (result.values === null) return { kind: 'write', plan: { mode: 'delete', hlc: input.hubHlc() }, conflict }
      const writes = chosenWrites(result.values, fields, input.hubHlc())
      return { kind: 'write', plan: { mode: 'upsert', start: 'current', writes, deltas: undefined, origin: { hlc: input.hubHlc() } }, conflict }
    }
    default:
      return unexpected(policy)
  }
}

/** An update meeting a delete newer than its base (DESIGN §4, Deletes). */
function decideAgainstDelete(input: DecideChangeInput, record: HubRecordState): ChangeDecision {
  const { change, col } = input
  const fields = [...writtenPlainFields(change), ...deltaFields(change)].filter((f) => f !== 'id')
  const conflict = draft(input, fields, undefined)
  const resurrect = upsertPlan(change, startFor(change, record))
  const policy = col.policy
  switch (policy.kind) {
    case 'fieldMerge':
    case 'lastWriterWins':
      return change.hlc > (record.del?.hlc ?? '') ? { kind: 'write', plan: resurrect, conflict } : { kind: 'noop', conflict }
    case 'rejectConflicts':
      return refuse('conflict', 'the record was deleted since this change was written', conflict)
    case 'manual':
      return { kind: 'noop', conflict: { ...conflict, open: true } }
    case 'custom': {
      const result = runCustom(policy, input, fields, undefined)
      if (result.kind === 'reject') return result.decision
      if (result.values === null) return { kind: 'noop', conflict }
      if (resurrect.mode !== 'upsert') throw new Error('resurrect plan must upsert')
      for (const [f, w] of chosenWrites(result.values, fields, input.hubHlc())) resurrect.writes.set(f, w)
      return { kind: 'write', plan: resurrect, conflict }
    }
    default:
      return unexpected(policy)
  }
}

function decideFieldConflict(input: DecideChangeInput, record: HubRecordState, fields: string[]): ChangeDecision {
  const { change, col } = input
  const conflict = draft(input, fields, record.value)
  const conflicting = new Set(fields)
  const policy = col.policy
  switch (policy.kind) {
    case 'fieldMerge': {
      const plan = upsertPlan(change, 'current', { skip: (f) => conflicting.has(f) && !(change.hlc > (record.fields[f]?.hlc ?? '')) })
      return writeOrNoop(plan, conflict)
    }
    case 'lastWriterWins': {
      const localWins = change.hlc > maxFieldHlc(record, fields)
      return writeOrNoop(upsertPlan(change, 'current', localWins ? {} : { skip: () => true }), conflict)
    }
    case 'rejectConflicts':
      return refuse('conflict', `fields changed on the hub since this change was written: ${fields.join(', ')}`, conflict)
    case 'manual':
      return writeOrNoop(upsertPlan(change, 'current', { skip: (f) => conflicting.has(f) }), { ...conflict, open: true })
    case 'custom': {
      const result = runCustom(policy, input, fields, record.value)
      if (result.kind === 'reject') return result.decision
      if (result.values === null) return { kind: 'write', plan: { mode: 'delete', hlc: input.hubHlc() }, conflict }
      const plan = upsertPlan(change, 'current', { skip: (f) => conflicting.has(f) })
      if (plan.mode !== 'upsert') throw new Error('custom plan must upsert')
      for (const [f, w] of chosenWrites(result.values, fields, input.hubHlc())) plan.writes.set(f, w)
      return writeOrNoop(plan, conflict)
    }
    default:
      return unexpected(policy)
  }
}

function writeOrNoop(plan: WritePlan, conflict: ConflictDraft): ChangeDecision {
  if (plan.mode === 'upsert' && plan.writes.size === 0 && plan.deltas === undefined) return { kind: 'noop', conflict }
  return { kind: 'write', plan, conflict }
}

/** Where an upsert starts: a put on an absent or deleted record starts fresh. */
function startFor(change: Change, record: HubRecordState | undefined): 'current' | 'tombstone' | 'fresh' {
  if (!record) return 'fresh'
  if (record.deleted) return change.op === 'put' ? 'fresh' : 'tombstone'
  return 'current'
}

/** The change's own writes (verbatim, or stamped `chosen` for a resolution), minus skipped fields. */
function upsertPlan(
  change: Change,
  start: 'current' | 'tombstone' | 'fresh',
  options: { skip?: (field: string) => boolean; chosen?: string } = {},
): WritePlan {
  const { chosen, skip } = options
  const writes = new Map<string, FieldWrite>()
  const set = change.set
  if (set !== undefined) {
    for (const f of Object.keys(set)) {
      if (f === 'id' || skip?.(f)) continue
      const value = set[f] as JsonValue
      writes.set(f, chosen === undefined ? { value, hlc: change.hlc, w: change.writer } : { value, hlc: chosen })
    }
  }
  for (const f of change.unset ?? []) {
    if (!skip?.(f)) writes.set(f, chosen === undefined ? { remove: true, hlc: change.hlc, w: change.writer } : { remove: true, hlc: chosen })
  }
  const hasDeltas = hasKeys(change.inc) || hasKeys(change.add) || hasKeys(change.remove)
  return { mode: 'upsert', start, writes, deltas: hasDeltas ? change : undefined, origin: { hlc: change.hlc, w: change.writer } }
}

/** Whether an object has an own enumerable key (what `Object.keys(o).length > 0` says, without the array). */
function hasKeys(o: object | undefined): boolean {
  if (o === undefined) return false
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true
  return false
}

/** Values a policy chose for the conflicting fields: hub HLC, no verbatim writer. A missing key keeps the remote value. */
function chosenWrites(values: { [f: string]: JsonValue | undefined }, fields: readonly string[], hlc: string): Map<string, FieldWrite> {
  const writes = new Map<string, FieldWrite>()
  for (const f of fields) {
    if (f === 'id' || !Object.prototype.hasOwnProperty.call(values, f)) continue
    const value = values[f]
    writes.set(f, value === undefined ? { remove: true, hlc } : { value, hlc })
  }
  return writes
}

type CustomOutcome = { kind: 'values'; values: { [f: string]: JsonValue | undefined } | null } | { kind: 'reject'; decision: ChangeDecision }

function runCustom(policy: CustomPolicy, input: DecideChangeInput, fields: string[], remote: RecordValue | undefined): CustomOutcome {
  const { change, record } = input
  const mergeInput: CustomMergeInput = {
    base: pickFields(change.prev as RecordValue | undefined, fields),
    local: change.op === 'delete' ? undefined : localValues(change),
    remote: remote === undefined ? undefined : structuredCopy(remote),
    fields: [...fields],
    meta: {
      col: change.col,
      key: change.key,
      localHlc: change.hlc,
      remoteHlc: Object.fromEntries(fields.map((f) => [f, record?.fields[f]?.hlc ?? record?.del?.hlc ?? ''])),
      replica: change.replica,
      writer: change.writer,
      tx: change.tx,
      op: change.op,
    },
  }
  const conflict = draft(input, fields, remote)
  try {
    const result = policy.merge(mergeInput)
    if (result === reject) return { kind: 'reject', decision: refuse('conflict', 'the custom merge rejected the change', conflict) }
    if (result !== null && (typeof result !== 'object' || Array.isArray(result))) {
      return { kind: 'reject', decision: refuse('policy_error', 'the custom merge returned neither values, null nor reject', conflict) }
    }
    return { kind: 'values', values: result === null ? null : jsonAnswer(result) }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { kind: 'reject', decision: refuse('policy_error', `the custom merge threw: ${message}`, conflict) }
  }
}

/**
 * The merge's values as JSON, so what is stored is what replicas receive. A value JSON cannot hold
 * (function, symbol, BigInt, cycle) throws, which makes the answer a policy error instead of
 * crashing the batch on every retry. `undefined` stays: it removes the field.
 */
function jsonAnswer(values: { [f: string]: unknown }): { [f: string]: JsonValue | undefined } {
  const out: { [f: string]: JsonValue | undefined } = {}
  for (const [f, value] of Object.entries(values)) {
    if (value === undefined) {
      out[f] = undefined
      continue
    }
    const text = JSON.stringify(value)
    if (text === undefined) throw new Error(`field "${f}" is not a JSON value`)
    out[f] = JSON.parse(text) as JsonValue
  }
  return out
}

function localValues(change: Change): { [f: string]: JsonValue | undefined } {
  const local: { [f: string]: JsonValue | undefined } = { ...(change.set ?? {}) }
  for (const f of change.unset ?? []) local[f] = undefined
  return local
}

function structuredCopy(value: RecordValue): RecordValue {
  return JSON.parse(JSON.stringify(value)) as RecordValue
}

function draft(input: DecideChangeInput, fields: string[], remote: RecordValue | undefined): ConflictDraft {
  const { change, col } = input
  return {
    policy: col.policy.kind,
    fields,
    base: pickFields(change.prev as RecordValue | undefined, fields),
    local: change.op === 'delete' ? undefined : { ...(change.set ?? {}) },
    remote,
  }
}

function maxFieldHlc(record: HubRecordState, fields: readonly string[]): string {
  let max = ''
  for (const f of fields) {
    const hlc = record.fields[f]?.hlc ?? ''
    if (hlc > max) max = hlc
  }
  return max
}

function refuse(code: string, message: string, conflict?: ConflictDraft): ChangeDecision {
  return conflict ? { kind: 'reject', code, message, conflict } : { kind: 'reject', code, message }
}
