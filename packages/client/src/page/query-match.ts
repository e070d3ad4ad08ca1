/**
 * Evaluating a query on the page, for reads inside a transaction that must see its buffered writes:
 * the same conditions, order (IndexedDB key order: numbers, then strings, then arrays; records
 * without the field last) and paging the runtime applies.
 */
import { jsonEqual, type JsonValue, type RecordValue } from '@accord/core'
import type { FindQuery, WhereCondition } from '../shared/worker-api.js'

const OPERATORS = new Set(['eq', 'gt', 'gte', 'lt', 'lte', 'in'])

type Operators = { eq?: JsonValue; gt?: JsonValue; gte?: JsonValue; lt?: JsonValue; lte?: JsonValue; in?: JsonValue[] }

function isOperators(condition: WhereCondition): condition is Operators {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return false
  const keys = Object.keys(condition)
  return keys.length > 0 && keys.every((k) => OPERATORS.has(k))
}

function rank(value: JsonValue | undefined): number {
  if (typeof value === 'number') return 1
  if (typeof value === 'string') return 2
  if (Array.isArray(value)) return 3
  return 4
}

/** IndexedDB-like order of two field values; values that are no keys sort last. */
export function compareValues(a: JsonValue | undefined, b: JsonValue | undefined): number {
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra - rb
  if (ra === 1 || ra === 2) return (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0
  if (ra === 3) {
    const x = a as JsonValue[]
    const y = b as JsonValue[]
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compareValues(x[i], y[i])
      if (c !== 0) return c
    }
    return x.length - y.length
  }
  return 0
}

function comparable(a: JsonValue | undefined, b: JsonValue): boolean {
  return rank(a) === rank(b) && rank(b) < 4
}

/** Whether a record satisfies every condition of `where`. */
export function matchesWhere(record: RecordValue, where: FindQuery['where']): boolean {
  for (const [field, condition] of Object.entries(where ?? {})) {
    const value = record[field]
    if (!isOperators(condition)) {
      if (!jsonEqual(value, condition)) return false
      continue
    }
    if (condition.eq !== undefined && !jsonEqual(value, condition.eq)) return false
    if (condition.in !== undefined && !condition.in.some((v) => jsonEqual(value, v))) return false
    if (condition.gt !== undefined && !(comparable(value, condition.gt) && compareValues(value, condition.gt) > 0)) return false
    if (condition.gte !== undefined && !(comparable(value, condition.gte) && compareValues(value, condition.gte) >= 0)) return false
    if (condition.lt !== undefined && !(comparable(value, condition.lt) && compareValues(value, condition.lt) < 0)) return false
    if (condition.lte !== undefined && !(comparable(value, condition.lte) && compareValues(value, condition.lte) <= 0)) return false
  }
  return true
}

/** Sorts (by `orderBy`, then `id`) and pages records as `find` does. */
export function orderAndPage(records: RecordValue[], query: FindQuery): RecordValue[] {
  const order = typeof query.orderBy === 'string' ? { field: query.orderBy, direction: 'asc' as const } : query.orderBy
  const sign = order?.direction === 'desc' ? -1 : 1
  const sorted = [...records].sort((a, b) => {
    const byField = order ? compareValues(a[order.field], b[order.field]) * sign : 0
    return byField !== 0 ? byField : compareValues(a['id'], b['id']) * sign
  })
  const offset = query.offset ?? 0
  return sorted.slice(offset, query.limit === undefined ? undefined : offset + query.limit)
}
