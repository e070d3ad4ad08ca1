/**
 * `find` on Dexie: one condition on an indexed field drives the read (equality first, then `in`,
 * then a range); every condition is then checked on the candidates, so indexed and unindexed
 * fields answer alike. Without a usable condition, an indexed `orderBy` field is read in index
 * order so `limit` stops early; otherwise the table is scanned and sorted.
 */
import type { Dexie } from 'dexie'
import type { Collection, IndexableType, Table } from 'dexie'
import { AccordError, type JsonValue, type RecordValue, type Schema } from '@accord/core'
import type { FindQuery } from '../../shared/worker-api.js'
import { stripMeta } from '../store/record-meta.js'
import { singleFieldIndexes } from '../store/tables.js'
import { isKey, matchesAll, parseWhere, sortRecords, type FieldCondition } from './conditions.js'

interface Order {
  field: string
  direction: 'asc' | 'desc'
}

/** Runs a query against the visible table of `col`. Usable inside a Dexie liveQuery. */
export async function findRecords(db: Dexie, schema: Schema, col: string, query: FindQuery = {}): Promise<RecordValue[]> {
  // Value rows carry the store's metadata (record-meta.ts): the app gets its values without it.
  return (await findRows(db, schema, col, query)).map((row) => stripMeta(row))
}

async function findRows(db: Dexie, schema: Schema, col: string, query: FindQuery): Promise<RecordValue[]> {
  const indexes = singleFieldIndexes(schema, col)
  const conditions = parseWhere(query.where)
  const order = parseOrder(query.orderBy)
  const offset = checkCount(query.offset, 'offset') ?? 0
  const limit = checkCount(query.limit, 'limit')
  const table = db.table<RecordValue, string>(col)
  const driver = pickDriver(conditions, indexes)
  if (driver) {
    const candidates = await readByCondition(table, driver).toArray()
    return page(sortOrKeep(candidates.filter((r) => matchesAll(r, conditions)), order), offset, limit)
  }
  if (order && indexes.has(order.field)) return readInIndexOrder(table, order, conditions, offset, limit)
  const all = await table.toArray()
  return page(sortOrKeep(all.filter((r) => matchesAll(r, conditions)), order), offset, limit)
}

/** Validates a query's shape (throws `validation_failed`) without reading anything. */
export function checkQuery(query: FindQuery): void {
  parseWhere(query.where)
  parseOrder(query.orderBy)
  checkCount(query.offset, 'offset')
  checkCount(query.limit, 'limit')
}

function parseOrder(orderBy: FindQuery['orderBy']): Order | undefined {
  if (orderBy === undefined) return undefined
  if (typeof orderBy === 'string') return { field: orderBy, direction: 'asc' }
  if (typeof orderBy !== 'object' || orderBy === null || typeof orderBy.field !== 'string') {
    throw new AccordError('validation_failed', '`orderBy` must be a field name or { field, direction }')
  }
  const direction = orderBy.direction ?? 'asc'
  if (direction !== 'asc' && direction !== 'desc') throw new AccordError('validation_failed', '`orderBy.direction` must be "asc" or "desc"')
  return { field: orderBy.field, direction }
}

function checkCount(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < 0) throw new AccordError('validation_failed', `\`${name}\` must be a non-negative integer`)
  return value
}

/** The condition an index can serve best, if any: equality, then `in`, then a range. */
function pickDriver(conditions: readonly FieldCondition[], indexes: ReadonlySet<string>): FieldCondition | undefined {
  const usable = conditions.filter((c) => indexes.has(c.field))
  return (
    usable.find((c) => c.hasEq && isKey(c.eq)) ??
    usable.find((c) => !c.hasEq && c.in !== undefined && c.in.every(isKey)) ??
    usable.find((c) => !c.hasEq && !c.in && [c.gt, c.gte, c.lt, c.lte].every((b) => b === undefined || isKey(b)) && [c.gt, c.gte, c.lt, c.lte].some((b) => b !== undefined))
  )
}

function readByCondition(table: Table<RecordValue, string>, c: FieldCondition): Collection<RecordValue, string> {
  const where = table.where(c.field)
  const key = (value: JsonValue | undefined): IndexableType => value as IndexableType
  if (c.hasEq) return where.equals(key(c.eq))
  if (c.in) return where.anyOf(c.in.map(key))
  // A range reads between its tightest bounds; the filter applies the exact ones afterwards.
  const lower = c.gt ?? c.gte
  const upper = c.lt ?? c.lte
  if (lower !== undefined && upper !== undefined) return where.between(key(lower), key(upper), true, true)
  if (lower !== undefined) return where.aboveOrEqual(key(lower))
  return where.belowOrEqual(key(upper))
}

/** Index order stops after `offset + limit` matches; records without a key in the field come last. */
async function readInIndexOrder(table: Table<RecordValue, string>, order: Order, conditions: readonly FieldCondition[], offset: number, limit: number | undefined): Promise<RecordValue[]> {
  // Dexie collections are builders that change in place: start a fresh one for each read.
  const matching = (): Collection<RecordValue, string> => {
    const ordered = table.orderBy(order.field)
    return (order.direction === 'desc' ? ordered.reverse() : ordered).filter((r) => matchesAll(r, conditions))
  }
  const keyed = matching().offset(offset)
  const first = await (limit === undefined ? keyed : keyed.limit(limit)).toArray()
  if (limit !== undefined && first.length >= limit) return first
  const keyedCount = first.length > 0 ? offset + first.length : await matching().count()
  const rest = sortRecords(await table.filter((r) => !isKey(r[order.field]) && matchesAll(r, conditions)).toArray(), 'id', order.direction)
  const skip = Math.max(0, offset - keyedCount)
  return [...first, ...page(rest, skip, limit === undefined ? undefined : limit - first.length)]
}

function sortOrKeep(records: RecordValue[], order: Order | undefined): RecordValue[] {
  return order ? sortRecords(records, order.field, order.direction) : records
}

function page(records: RecordValue[], offset: number, limit: number | undefined): RecordValue[] {
  return records.slice(offset, limit === undefined ? undefined : offset + limit)
}
