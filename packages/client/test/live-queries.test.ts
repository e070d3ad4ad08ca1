/**
 * Reads and live reads: `find` with where/orderBy/limit/offset (indexed and unindexed fields give
 * the same answers), `watch` emitting the current value at once and again on every change, from
 * this runtime, another runtime of the same database, or the hub; identical results not re-sent.
 */
import { jsonEqual, type JsonValue, type RecordValue } from '@accord/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { schema } from './fixtures/schema.js'
import { openTestReplica, unwrap, until, type TestReplica } from './helpers/replica.js'
import { Scenario, settle } from './helpers/scenario.js'

/** Cards always carry their counter and set fields (created at 0 and empty). */
const card = (value: RecordValue): RecordValue => ({ votes: 0, tags: [], ...value })

const cards: RecordValue[] = [
  { id: 'a', listId: 'l1', rank: 3, updatedAt: 30, title: 'A', done: false },
  { id: 'b', listId: 'l1', rank: 1, updatedAt: 10, title: 'B', done: true },
  { id: 'c', listId: 'l2', rank: 2, updatedAt: 20, title: 'C', done: false },
  { id: 'd', listId: 'l1', rank: 5, title: 'D', done: true },
  { id: 'e', listId: 'l3', rank: 4, updatedAt: 'late', title: 'E', done: false },
]

describe('find', () => {
  let r: TestReplica
  beforeEach(async () => {
    r = await openTestReplica({ schema, name: 'find' })
    await r.write(...cards.map((value) => ({ op: 'put' as const, col: 'cards', value })))
  })
  afterEach(async () => {
    await r.close()
  })

  const ids = (records: RecordValue[]): unknown[] => records.map((x) => x['id'])

  it('filters by equality on an indexed and on an unindexed field', async () => {
    expect(ids(await r.find('cards', { where: { listId: 'l1' } })).sort()).toEqual(['a', 'b', 'd'])
    expect(ids(await r.find('cards', { where: { done: true } })).sort()).toEqual(['b', 'd'])
    expect(ids(await r.find('cards', { where: { listId: 'l1', done: false } }))).toEqual(['a'])
    expect(ids(await r.find('cards', { where: { listId: { eq: 'l2' } } }))).toEqual(['c'])
  })

  it('serves ranges and `in`, indexed or not, the same way', async () => {
    expect(ids(await r.find('cards', { where: { rank: { gt: 1, lte: 4 } }, orderBy: 'rank' }))).toEqual(['c', 'a', 'e'])
    expect(ids(await r.find('cards', { where: { rank: { gte: 5 } } }))).toEqual(['d'])
    expect(ids(await r.find('cards', { where: { rank: { lt: 2 } } }))).toEqual(['b'])
    expect(ids(await r.find('cards', { where: { listId: { in: ['l2', 'l3'] } }, orderBy: 'id' }))).toEqual(['c', 'e'])
    expect(ids(await r.find('cards', { where: { title: { in: ['C', 'E'] } }, orderBy: 'id' }))).toEqual(['c', 'e'])
    expect(ids(await r.find('cards', { where: { title: { gt: 'B', lt: 'E' } }, orderBy: 'id' }))).toEqual(['c', 'd'])
    // Numbers sort before strings (IndexedDB key order); a missing field matches no range.
    expect(ids(await r.find('cards', { where: { updatedAt: { gte: 20 } }, orderBy: 'id' }))).toEqual(['a', 'c', 'e'])
    expect(ids(await r.find('cards', { where: { updatedAt: { lt: 'a' } }, orderBy: 'id' }))).toEqual(['a', 'b', 'c'])
  })

  it('orders, limits and offsets, with records lacking the field last', async () => {
    expect(ids(await r.find('cards', { orderBy: 'rank' }))).toEqual(['b', 'c', 'a', 'e', 'd'])
    expect(ids(await r.find('cards', { orderBy: { field: 'rank', direction: 'desc' }, limit: 2 }))).toEqual(['d', 'e'])
    expect(ids(await r.find('cards', { orderBy: 'updatedAt' }))).toEqual(['b', 'c', 'a', 'e', 'd'])
    expect(ids(await r.find('cards', { orderBy: 'updatedAt', offset: 3 }))).toEqual(['e', 'd'])
    expect(ids(await r.find('cards', { orderBy: 'updatedAt', offset: 4, limit: 5 }))).toEqual(['d'])
    expect(ids(await r.find('cards', { where: { listId: 'l1' }, orderBy: { field: 'rank', direction: 'desc' }, limit: 2 }))).toEqual(['d', 'a'])
    expect(ids(await r.find('cards', { orderBy: 'title', offset: 1, limit: 2 }))).toEqual(['b', 'c'])
  })

  it('returns the app’s own objects, and refuses malformed queries and unknown collections', async () => {
    expect(await r.find('cards', { where: { id: 'a' } })).toEqual([card(cards[0] as RecordValue)])
    for (const query of [{ limit: -1 }, { offset: 1.5 }, { orderBy: { field: 'x', direction: 'up' } }, { where: { rank: { in: 3 } } }]) {
      const result = await r.runtime.find('cards', query as never)
      expect(result.ok ? 'ok' : result.error.code).toBe('validation_failed')
    }
    const unknown = await r.runtime.find('nope', {})
    expect(unknown.ok ? 'ok' : unknown.error.code).toBe('unknown_collection')
  })
})

describe('watch', () => {
  let s: Scenario
  beforeEach(async () => {
    s = await new Scenario(schema).start()
  })
  afterEach(async () => {
    await s.dispose()
  })

  function collect(replica: TestReplica, target: Parameters<TestReplica['runtime']['watch']>[0]): Promise<{ values: unknown[]; id: number }> {
    const values: unknown[] = []
    return replica.runtime.watch(target, (value) => values.push(value)).then((result) => ({ values, id: unwrap(result) }))
  }

  it('emits the current value at once, then on local changes, without repeating identical results', async () => {
    const a = await s.replica('a')
    const one = await collect(a, { kind: 'get', col: 'cards', key: 'c1' })
    const list = await collect(a, { kind: 'find', col: 'cards', query: { where: { listId: 'l1' }, orderBy: 'rank' } })
    await until(() => one.values.length === 1 && list.values.length === 1, 'the first values')
    expect(one.values).toEqual([undefined])
    expect(list.values).toEqual([[]])

    await a.put('cards', { id: 'c1', listId: 'l1', rank: 2, title: 'one' })
    await until(() => one.values.length === 2 && list.values.length === 2, 'the put')
    await a.put('cards', { id: 'c2', listId: 'l2', rank: 1, title: 'other list' })
    await a.update('cards', 'c1', { title: 'one!' })
    await until(() => one.values.length === 3, 'the update')
    await until(() => list.values.length === 3, 'the update in the list')
    await a.put('cards', { id: 'c3', listId: 'l2', rank: 0 })
    await a.flush()
    // c2 and c3 are in another list: the list watch re-ran but its result did not change.
    expect(list.values).toEqual([[], [card({ id: 'c1', listId: 'l1', rank: 2, title: 'one' })], [card({ id: 'c1', listId: 'l1', rank: 2, title: 'one!' })]])
    expect(one.values.at(-1)).toEqual(card({ id: 'c1', listId: 'l1', rank: 2, title: 'one!' }))

    await a.runtime.unwatch(one.id)
    await a.write({ op: 'delete', col: 'cards', key: 'c1' })
    await until(() => list.values.length === 4, 'the delete in the list')
    expect(one.values).toHaveLength(3)
  })

  it('emits on changes that arrive from the hub', async () => {
    const a = await s.replica('a')
    const b = await s.replica('b')
    const seen = await collect(b, { kind: 'find', col: 'cards', query: { orderBy: 'id' } })
    await a.put('cards', { id: 'x', title: 'from a' })
    await settle(a, b)
    await until(() => jsonEqual(seen.values.at(-1) as JsonValue, [card({ id: 'x', title: 'from a' })]), 'a’s put in b’s watch')
  })

  it('emits on changes another runtime of the same database made (another tab or worker)', async () => {
    const first = await openTestReplica({ schema, name: 'shared' })
    const second = await openTestReplica({ schema, name: 'shared', idb: first.idb })
    s.replicas.push(first, second)
    expect(second.replicaId).toBe(first.replicaId)
    const seen = await collect(first, { kind: 'get', col: 'cards', key: 'k' })
    await until(() => seen.values.length === 1, 'the first value')
    await second.put('cards', { id: 'k', title: 'written by the other runtime' })
    await until(() => seen.values.length === 2, 'the other runtime’s write')
    expect(seen.values[1]).toEqual(card({ id: 'k', title: 'written by the other runtime' }))
    await until(() => first.status.pending === 1, 'the other runtime’s write counted as pending here')
  })

  it('watchStatus gives the current status at once, with the answer of storage.persist()', async () => {
    const a = await s.replica('a', { runtime: { storage: { persist: async () => true } } })
    await a.flush()
    await a.waitForStatus((st) => st.persisted === true, 'the persistence answer')
    const statuses: unknown[] = []
    unwrap(await a.runtime.watchStatus((status) => statuses.push(status)))
    expect(statuses).toEqual([expect.objectContaining({ connection: 'online', pending: 0, paused: false, persisted: true })])
  })
})
