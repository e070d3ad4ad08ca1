import { applyIncrement } from '../policies/counter.js'
import { applySetDelta } from '../policies/set.js'
import type { ResolvedCollection } from '../schema/define-schema.js'
import type { Change, FieldValues } from './change.js'
import { cloneJson, type JsonValue, type RecordValue } from './json.js'

/** The plain (non-counter, non-set) fields a put or patch writes: `set` keys and `unset`. */
export function writtenPlainFields(change: Pick<Change, 'set' | 'unset'>): string[] {
  const fields = Object.keys(change.set ?? {})
  for (const f of change.unset ?? []) if (!fields.includes(f)) fields.push(f)
  return fields
}

/** The counter and set fields a change moves by deltas. */
export function deltaFields(change: Pick<Change, 'inc' | 'add' | 'remove'>): string[] {
  const fields = new Set<string>([...Object.keys(change.inc ?? {}), ...Object.keys(change.add ?? {}), ...Object.keys(change.remove ?? {})])
  return [...fields]
}

/** A fresh record: `id`, counters at 0 and sets empty, as the hub creates one. */
export function emptyRecord(key: string, col: ResolvedCollection): RecordValue {
  const value: RecordValue = { id: key }
  for (const [field, policy] of Object.entries(col.fields)) {
    if (policy.kind === 'counter') value[field] = 0
    else if (policy.kind === 'set') value[field] = []
  }
  return value
}

/** Writes `set` and removes `unset` on a copy of `value`. */
export function applyPlain(value: RecordValue, set: FieldValues | undefined, unset: readonly string[] | undefined): RecordValue {
  const next: RecordValue = { ...value }
  for (const field of unset ?? []) delete next[field]
  for (const [field, v] of Object.entries(set ?? {})) next[field] = cloneJson(v)
  return next
}

/** Applies counter and set deltas on a copy of `value`. */
export function applyDeltas(value: RecordValue, change: Pick<Change, 'inc' | 'add' | 'remove'>): RecordValue {
  const next: RecordValue = { ...value }
  for (const [field, delta] of Object.entries(change.inc ?? {})) next[field] = applyIncrement(next[field], delta)
  for (const field of new Set([...Object.keys(change.add ?? {}), ...Object.keys(change.remove ?? {})])) {
    next[field] = applySetDelta(next[field], change.add?.[field], change.remove?.[field])
  }
  return next
}

/**
 * A change replayed on a value, exactly as the hub applies it when nothing conflicts: the rule the
 * replica uses to compute visible = confirmed + pending. `undefined` is an absent record.
 *   put    → a fresh record (counters 0, sets empty) if absent, else the current one; then set/unset
 *            and deltas
 *   patch  → absent stays absent (its creation is not confirmed or was refused); else set/unset + deltas
 *   delete → absent
 */
export function replayChange(value: RecordValue | undefined, change: Change, col: ResolvedCollection): RecordValue | undefined {
  switch (change.op) {
    case 'delete':
      return undefined
    case 'put': {
      const start = value ?? emptyRecord(change.key, col)
      return applyDeltas(applyPlain(start, change.set, change.unset), change)
    }
    case 'patch':
      return value === undefined ? undefined : applyDeltas(applyPlain(value, change.set, change.unset), change)
    default:
      return unexpected(change.op)
  }
}

/** The values of `fields` in `value` (absent ones left out). */
export function pickFields(value: RecordValue | undefined, fields: readonly string[]): FieldValues {
  const out: FieldValues = {}
  if (!value) return out
  for (const f of fields) if (value[f] !== undefined) out[f] = cloneJson(value[f] as JsonValue)
  return out
}

/** Exhaustiveness guard for discriminated unions. */
export function unexpected(value: never): never {
  throw new Error(`unexpected case: ${JSON.stringify(value)}`)
}
