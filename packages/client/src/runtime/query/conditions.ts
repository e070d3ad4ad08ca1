/**
 * The meaning of a `find` query's conditions, shared by the index path and the filter path so both
 * give the same answer. Comparisons follow IndexedDB's key order (numbers < strings < arrays); a
 * value that is not a valid key (boolean, null, object, missing) matches no range, as it is absent
 * from every index. Equality and `in` compare JSON values exactly.
 */
import { AccordError, jsonEqual, type JsonValue, type RecordValue } from '@accord/core'
import type { FindQuery, WhereCondition } from '../../shared/worker-api.js'

/** One field's condition, normalized. */
export interface FieldCondition {
  field: string
  eq?: JsonValue
  hasEq: boolean
  gt?: JsonValue
  gte?: JsonValue
  lt?: JsonValue
  lte?: JsonValue
  in?: JsonValue[]
}

const OPERATORS = new Set(['eq', 'gt', 'gte', 'lt', 'lte', 'in'])

/** Whether a where value is an operator object (`{ gt: 1 }`) rather than a value to equal. */
type Operators = { eq?: JsonValue; gt?: JsonValue; gte?: JsonValue; lt?: JsonValue; lte?: JsonValue; in?: JsonValue[] }

function isOperatorObject(value: WhereCondition): value is Operators {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const keys = Object.keys(value)
  return keys.length > 0 && keys.every((k) => OPERATORS.has(k))
}

/** Normalizes `query.where`; throws `validation_failed` for a malformed condition. */
export function parseWhere(where: FindQuery['where']): FieldCondition[] {
  if (where === undefined) return []
  if (typeof where !== 'object' || where === null || Array.isArray(where)) throw new AccordError('validation_failed', '`where` must be an object of field conditions')
  return Object.entries(where).map(([field, value]) => {
    if (!isOperatorObject(value)) return { field, eq: value, hasEq: true }
    const condition: FieldCondition = { field, hasEq: 'eq' in value }
    if ('eq' in value) condition.eq = value.eq as JsonValue
    for (const op of ['gt', 'gte', 'lt', 'lte'] as const) if (value[op] !== undefined) condition[op] = value[op]
    if (value.in !== undefined) {
      if (!Array.isArray(value.in)) throw new AccordError('validation_failed', `\`in\` on "${field}" must be an array`)
      condition.in = value.in
    }
    return condition
  })
}

/** Whether a value is a valid IndexedDB key (as JSON can hold one). */
export function isKey(value: unknown): value is number | string | JsonValue[] {
  if (typeof value === 'number') return !Number.isNaN(value)
  if (typeof value === 'string') return true
  return Array.isArray(value) && value.every(isKey)
}

const rank = (v: number | string | JsonValue[]): number => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2)

/** IndexedDB's key order for two valid keys. */
export function compareKeys(a: number | string | JsonValue[], b: number | string | JsonValue[]): number {
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra - rb
  if (typeof a === 'number' || typeof a === 'string') return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0
  const bb = b as JsonValue[]
  for (let i = 0; i < Math.min(a.length, bb.length); i++) {
    const c = compareKeys(a[i] as number | string | JsonValue[], bb[i] as number | string | JsonValue[])
    if (c !== 0) return c
  }
  return a.length - bb.length
}

function inRange(value: unknown, c: FieldCondition): boolean {
  if (c.gt === undefined && c.gte === undefined && c.lt === undefined && c.lte === undefined) return true
  if (!isKey(value)) return false
  const bound = (b: JsonValue | undefined, ok: (cmp: number) => boolean): boolean => b === undefined || (isKey(b) && ok(compareKeys(value, b)))
  return bound(c.gt, (x) => x > 0) && bound(c.gte, (x) => x >= 0) && bound(c.lt, (x) => x < 0) && bound(c.lte, (x) => x <= 0)
}

/** Whether a record satisfies one condition. */
export function matchesCondition(record: RecordValue, c: FieldCondition): boolean {
  const value = record[c.field]
  if (c.hasEq && !jsonEqual(value, c.eq)) return false
  if (c.in && !c.in.some((candidate) => jsonEqual(value, candidate))) return false
  return inRange(value, c)
}

/** Whether a record satisfies every condition. */
export function matchesAll(record: RecordValue, conditions: readonly FieldCondition[]): boolean {
  return conditions.every((c) => matchesCondition(record, c))
}

/** The sort order of `find`: by a field in key order, records without a valid key last, then by id. */
export function sortRecords(records: RecordValue[], field: string, direction: 'asc' | 'desc'): RecordValue[] {
  const sign = direction === 'desc' ? -1 : 1
  return records.sort((a, b) => {
    const va = a[field]
    const vb = b[field]
    const ka = isKey(va)
    const kb = isKey(vb)
    if (ka !== kb) return ka ? -1 : 1
    const byField = ka && kb ? compareKeys(va, vb) : 0
    if (byField !== 0) return sign * byField
    return sign * compareKeys(String(a['id']), String(b['id']))
  })
}
