/**
 * Evaluating a query on the page, for reads inside a transaction that must see its buffered
 * writes. It uses the runtime's own conditions and order (runtime/query/conditions.ts: IndexedDB
 * key order, records without a key in the field last in either direction), so a read in a
 * transaction and a `find` in the worker agree on what matches and in which order.
 */
import type { RecordValue } from '@accord/core'
import { matchesAll, parseWhere, sortRecords } from '../runtime/query/conditions.js'
import type { FindQuery } from '../shared/worker-api.js'

/** Whether a record satisfies every condition of `where`. */
export function matchesWhere(record: RecordValue, where: FindQuery['where']): boolean {
  return matchesAll(record, parseWhere(where))
}

/** Sorts (by `orderBy`, then `id`; by `id` alone without one) and pages records as `find` does. */
export function orderAndPage(records: RecordValue[], query: FindQuery): RecordValue[] {
  const order = typeof query.orderBy === 'string' ? { field: query.orderBy, direction: 'asc' as const } : query.orderBy
  const sorted = sortRecords([...records], order?.field ?? 'id', order?.direction ?? 'asc')
  const offset = query.offset ?? 0
  return sorted.slice(offset, query.limit === undefined ? undefined : offset + query.limit)
}
