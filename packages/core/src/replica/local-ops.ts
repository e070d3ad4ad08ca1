import { AccordError } from '../model/errors.js'
import { fieldProblem, jsonStringProblem, keyProblem } from '../model/strings.js'
import type { Change, FieldValues } from '../model/change.js'
import { cloneJson, isPlainObject, jsonEqual, type JsonValue, type RecordValue } from '../model/json.js'
import { replayChange } from '../model/record-ops.js'
import { diffSets } from '../policies/set.js'
import type { ResolvedCollection } from '../schema/define-schema.js'

/** A write the app asks for; each becomes one change. */
export type LocalOp =
  | { op: 'put'; col: string; value: RecordValue }
  | { op: 'update'; col: string; key: string; patch: { [field: string]: JsonValue | undefined } }
  | { op: 'increment'; col: string; key: string; field: string; by: number }
  | { op: 'addToSet' | 'removeFromSet'; col: string; key: string; field: string; elements: JsonValue[] }
  | { op: 'delete'; col: string; key: string }
  | { op: 'resolve'; col: string; key: string; conflictId: number; values: { [field: string]: JsonValue | undefined } }

/** The body of a change before its writer, n, ord, tx, hlc and bases are allocated. */
export type ChangeBody = Pick<Change, 'col' | 'key' | 'op' | 'set' | 'unset' | 'prev' | 'inc' | 'add' | 'remove' | 'resolves'>

export function opKey(op: LocalOp): string {
  const key = op.op === 'put' ? op.value['id'] : op.key
  const problem = keyProblem(key)
  if (problem) throw new AccordError('validation_failed', `${op.op === 'put' ? 'a record `id`' : 'a key'}: ${problem}`, { details: { col: op.col } })
  return key as string
}

/** Refuses, before anything is written, field names and strings the hub would refuse as malformed. */
function checkStrings(op: LocalOp): void {
  const written = op.op === 'put' ? op.value : op.op === 'update' ? op.patch : op.op === 'resolve' ? op.values : undefined
  for (const field of Object.keys(written ?? {})) {
    const problem = fieldProblem(field)
    if (problem) throw new AccordError('validation_failed', `field "${field.slice(0, 40)}": ${problem}`, { details: { col: op.col } })
  }
  const values = op.op === 'addToSet' || op.op === 'removeFromSet' ? op.elements : written
  const problem = jsonStringProblem(values)
  if (problem) throw new AccordError('validation_failed', problem, { details: { col: op.col } })
}

/**
 * Turns an app write into a change body against the record as this replica sees it (DESIGN §3):
 * counter and set fields always travel as deltas; a put lists every plain field it omits in
 * `unset`; `prev` holds the written fields as seen before. Returns undefined for a write that
 * changes nothing (a delete of an absent record).
 */
export function planLocalOp(op: LocalOp, visible: RecordValue | undefined, col: ResolvedCollection): ChangeBody | undefined {
  const key = opKey(op)
  checkStrings(op)
  const base = { col: op.col, key }
  switch (op.op) {
    case 'put': {
      if (!isPlainObject(op.value)) throw new AccordError('validation_failed', 'a record must be a plain object')
      const body: ChangeBody = { ...base, op: 'put', set: {}, prev: {} }
      const written = new Set<string>()
      for (const [f, v] of Object.entries(op.value)) {
        if (v === undefined) continue
        written.add(f)
        writeField(body, col, f, v as JsonValue, visible)
      }
      for (const f of Object.keys(visible ?? {})) {
        if (written.has(f)) continue
        const kind = col.fieldKind(f)
        if (kind === 'counter') writeField(body, col, f, 0, visible)
        else if (kind === 'set') writeField(body, col, f, [], visible)
        else (body.unset ??= []).push(f)
      }
      for (const f of body.unset ?? []) if (visible?.[f] !== undefined) (body.prev as FieldValues)[f] = cloneJson(visible[f] as JsonValue)
      return tidy(body)
    }
    case 'update':
    case 'resolve': {
      // A resolution may target a record that is gone here (manual() keeps a delete and opens a
      // conflict): the hub resurrects it from its tombstone with the values, and the commit shows it.
      if (!visible && op.op === 'update') throw new AccordError('not_found', `${op.col}/${key} does not exist`, { details: { col: op.col, key } })
      const patch = op.op === 'update' ? op.patch : op.values
      if (!isPlainObject(patch)) throw new AccordError('validation_failed', 'a patch must be a plain object')
      if ('id' in patch && patch['id'] !== key) throw new AccordError('validation_failed', 'a patch cannot change `id`')
      const body: ChangeBody = { ...base, op: 'patch', set: {}, prev: {} }
      if (op.op === 'resolve') body.resolves = op.conflictId
      for (const [f, v] of Object.entries(patch)) {
        if (f === 'id') continue
        if (v === undefined) {
          if (col.fieldKind(f) !== 'lww') throw new AccordError('validation_failed', `field "${f}" is a ${col.fieldKind(f)}: it cannot be removed`)
          ;(body.unset ??= []).push(f)
          if (visible?.[f] !== undefined) (body.prev as FieldValues)[f] = cloneJson(visible[f] as JsonValue)
        } else writeField(body, col, f, v, visible)
      }
      return tidy(body)
    }
    case 'increment': {
      requireVisible(visible, op.col, key)
      requireKind(col, op.field, 'counter')
      if (!Number.isFinite(op.by)) throw new AccordError('validation_failed', 'an increment must be a finite number')
      return { ...base, op: 'patch', inc: { [op.field]: op.by } }
    }
    case 'addToSet':
    case 'removeFromSet': {
      requireVisible(visible, op.col, key)
      requireKind(col, op.field, 'set')
      const elements = cloneJson(op.elements)
      return { ...base, op: 'patch', ...(op.op === 'addToSet' ? { add: { [op.field]: elements } } : { remove: { [op.field]: elements } }) }
    }
    case 'delete':
      return visible ? { ...base, op: 'delete' } : undefined
    default: {
      const never: never = op
      throw new AccordError('validation_failed', `unknown op ${JSON.stringify(never)}`)
    }
  }
}

/** The visible record after a body, computed with the very replay rule rebase uses. */
export function applyBody(visible: RecordValue | undefined, body: ChangeBody, col: ResolvedCollection): RecordValue | undefined {
  return replayChange(visible, { ...body, writer: '', n: 0, replica: '', tx: 0, hlc: '', ord: 0, base: 0 }, col)
}

function writeField(body: ChangeBody, col: ResolvedCollection, field: string, value: JsonValue, visible: RecordValue | undefined): void {
  const kind = col.fieldKind(field)
  if (kind === 'counter') {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new AccordError('validation_failed', `counter "${field}" must be a finite number`)
    const seen = typeof visible?.[field] === 'number' ? (visible[field] as number) : 0
    if (value !== seen) (body.inc ??= {})[field] = value - seen
    return
  }
  if (kind === 'set') {
    if (!Array.isArray(value)) throw new AccordError('validation_failed', `set "${field}" must be an array`)
    const seen = Array.isArray(visible?.[field]) ? (visible[field] as JsonValue[]) : []
    const { add, remove } = diffSets(seen, value)
    if (add.length) (body.add ??= {})[field] = cloneJson(add)
    if (remove.length) (body.remove ??= {})[field] = cloneJson(remove)
    return
  }
  ;(body.set as FieldValues)[field] = cloneJson(value)
  if (visible?.[field] !== undefined) (body.prev as FieldValues)[field] = cloneJson(visible[field] as JsonValue)
}

function requireVisible(visible: RecordValue | undefined, col: string, key: string): void {
  if (!visible) throw new AccordError('not_found', `${col}/${key} does not exist`, { details: { col, key } })
}

function requireKind(col: ResolvedCollection, field: string, kind: 'counter' | 'set'): void {
  if (col.fieldKind(field) !== kind) {
    throw new AccordError('validation_failed', `field "${field}" of ${col.name} is not declared as a ${kind}()`, { details: { field } })
  }
}

function tidy(body: ChangeBody): ChangeBody {
  if (body.op === 'patch' && body.set && Object.keys(body.set).length === 0) delete body.set
  if (body.prev && Object.keys(body.prev).length === 0) delete body.prev
  if (body.unset && body.unset.length === 0) delete body.unset
  return body
}

/** Whether a planned change would leave the record exactly as it is (nothing to send). */
export function isNoop(visible: RecordValue | undefined, next: RecordValue | undefined, body: ChangeBody): boolean {
  return body.op !== 'delete' && body.resolves === undefined && !body.inc && !body.add && !body.remove && jsonEqual(visible, next)
}
