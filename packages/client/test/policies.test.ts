/**
 * Every merge policy of DESIGN §4 end to end: a real hub on loopback, two in-process replicas on
 * separate fake IndexedDBs, both offline (paused) while they write, then reconciling.
 */
import { decodeHlc, type ConflictRecord } from '@accord/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { schema } from './fixtures/schema.js'
import { reconcile, Scenario, twoOfflineReplicas } from './helpers/scenario.js'
import { unwrap, until, type TestReplica } from './helpers/replica.js'
import { OUTBOX, type OutboxRow } from '../src/runtime/store/tables.js'

let s: Scenario
beforeEach(async () => {
  s = await new Scenario(schema).start()
})
afterEach(async () => {
  await s.dispose()
})

async function expectSame(col: string, key: string, ...replicas: TestReplica[]): Promise<unknown> {
  const values = await Promise.all(replicas.map((r) => r.get(col, key)))
  for (const value of values) expect(value).toEqual(values[0])
  return values[0]
}

/**
 * Last-writer-wins compares HLCs, whose walls are each replica's clock corrected by its own
 * handshake offset: two replicas agree only to within a few ms (more on a loaded machine). A
 * write meant to be "later" is made after the other's HLC wall has passed by a margin.
 */
async function afterHlcOf(replica: TestReplica, key: string, marginMs = 250): Promise<void> {
  const rows = (await replica.runtime.database?.table(OUTBOX).toArray()) as OutboxRow[]
  const hlc = rows.flatMap((row) => row.changes).filter((c) => c.key === key).map((c) => c.hlc).sort().at(-1)
  if (!hlc) throw new Error(`${replica.name} has no pending change of ${key}`)
  const wall = decodeHlc(hlc).wall
  await until(() => Date.now() > wall + marginMs, `the clock to pass ${replica.name}'s write by ${marginMs} ms`)
}

const conflictOn = (records: readonly ConflictRecord[], key: string): ConflictRecord | undefined => records.find((c) => c.key === key)

describe('policies with both replicas offline, then reconciling', () => {
  it('fieldMerge: one-sided fields kept, both-sided field by HLC, counters add up, sets merge', async () => {
    const [a, b] = await twoOfflineReplicas(s, [{ col: 'cards', value: { id: 'c1', title: 'base', listId: 'l1', votes: 0, tags: ['x'] } }])
    await a.update('cards', 'c1', { title: 'from a' })
    await a.write({ op: 'increment', col: 'cards', key: 'c1', field: 'votes', by: 2 }, { op: 'addToSet', col: 'cards', key: 'c1', field: 'tags', elements: ['a'] })
    await afterHlcOf(a, 'c1')
    await b.update('cards', 'c1', { title: 'from b', listId: 'l2' })
    await b.write({ op: 'increment', col: 'cards', key: 'c1', field: 'votes', by: 3 }, { op: 'addToSet', col: 'cards', key: 'c1', field: 'tags', elements: ['b'] })
    await b.write({ op: 'removeFromSet', col: 'cards', key: 'c1', field: 'tags', elements: ['x'] })
    expect(await a.get('cards', 'c1')).toMatchObject({ title: 'from a', votes: 2, listId: 'l1' })

    await reconcile(a, b)
    const merged = (await expectSame('cards', 'c1', a, b)) as { tags: string[] }
    // b wrote the title later (higher HLC): it wins the field both changed.
    expect(merged).toMatchObject({ id: 'c1', title: 'from b', listId: 'l2', votes: 5 })
    expect([...merged.tags].sort()).toEqual(['a', 'b'])
    const conflict = conflictOn(await b.conflicts(), 'c1')
    expect(conflict).toMatchObject({ policy: 'fieldMerge', fields: ['title'], rejected: false })
    expect(conflictOn(await a.conflicts(), 'c1')?.id).toBe(conflict?.id)
    expect(a.status.pending).toBe(0)
    expect(b.status.pending).toBe(0)
  })

  it('lastWriterWins: the older change loses whole, even its fields nobody else wrote', async () => {
    const [a, b] = await twoOfflineReplicas(s, [{ col: 'profiles', value: { id: 'p1', name: 'base', city: 'x' } }])
    await b.update('profiles', 'p1', { name: 'from b', city: 'b-city' })
    await afterHlcOf(b, 'p1')
    await a.update('profiles', 'p1', { name: 'from a' })
    await reconcile(a, b)
    expect(await expectSame('profiles', 'p1', a, b)).toEqual({ id: 'p1', name: 'from a', city: 'x' })
    expect(conflictOn(await a.conflicts(), 'p1')).toMatchObject({ policy: 'lastWriterWins', fields: ['name'], by: b.replicaId })
  })

  it('lastWriterWins: a newer change arriving later wins and applies as a patch', async () => {
    const [a, b] = await twoOfflineReplicas(s, [{ col: 'profiles', value: { id: 'p1', name: 'base', city: 'x' } }])
    await a.update('profiles', 'p1', { name: 'from a', city: 'a-city' })
    await afterHlcOf(a, 'p1')
    await b.update('profiles', 'p1', { name: 'from b' })
    await reconcile(a, b)
    expect(await expectSame('profiles', 'p1', a, b)).toEqual({ id: 'p1', name: 'from b', city: 'a-city' })
  })

  it('rejectConflicts: the later transaction is discarded whole, the loser rolls back visibly, later transactions stand', async () => {
    const [a, b] = await twoOfflineReplicas(s, [{ col: 'invoices', value: { id: 'i1', amount: 100, note: '' } }])
    await a.write({ op: 'update', col: 'invoices', key: 'i1', patch: { amount: 200 } }, { op: 'update', col: 'invoices', key: 'i1', patch: { note: 'from a' } })
    await b.write({ op: 'update', col: 'invoices', key: 'i1', patch: { amount: 300 } }, { op: 'put', col: 'invoices', value: { id: 'i2', amount: 1 } })
    await b.put('invoices', { id: 'i3', amount: 3 })
    const seenByB: unknown[] = []
    await b.runtime.watch({ kind: 'get', col: 'invoices', key: 'i1' }, (value) => seenByB.push(value))
    await until(() => seenByB.length > 0, 'the first watch value')
    expect(seenByB[0]).toEqual({ id: 'i1', amount: 300, note: '' })
    expect(await b.get('invoices', 'i2')).toEqual({ id: 'i2', amount: 1 })

    await reconcile(a, b)
    expect(await expectSame('invoices', 'i1', a, b)).toEqual({ id: 'i1', amount: 200, note: 'from a' })
    expect(await b.get('invoices', 'i2')).toBeUndefined()
    expect(await a.get('invoices', 'i2')).toBeUndefined()
    expect(await expectSame('invoices', 'i3', a, b)).toEqual({ id: 'i3', amount: 3 })
    await until(() => seenByB.some((v) => JSON.stringify(v) === JSON.stringify({ id: 'i1', amount: 200, note: 'from a' })), 'the rollback in b’s watch')
    const conflict = conflictOn(await b.conflicts(), 'i1')
    expect(conflict).toMatchObject({ policy: 'rejectConflicts', rejected: true, code: 'conflict', by: b.replicaId })
    expect(b.conflictsSeen.some((c) => c.key === 'i1' && c.rejected)).toBe(true)
  })

  it('custom: the function merges both sides', async () => {
    const [a, b] = await twoOfflineReplicas(s, [{ col: 'drafts', value: { id: 'd1', text: 'base', author: 'x' } }])
    await a.update('drafts', 'd1', { text: 'alpha' })
    await b.update('drafts', 'd1', { text: 'beta', author: 'b' })
    await reconcile(a, b)
    expect(await expectSame('drafts', 'd1', a, b)).toEqual({ id: 'd1', text: 'alpha + beta', author: 'b' })
    expect(conflictOn(await a.conflicts(), 'd1')).toMatchObject({ policy: 'custom', fields: ['text'], rejected: false })
  })

  it('custom: `reject` discards the incoming transaction and the writer rolls back', async () => {
    const [a, b] = await twoOfflineReplicas(s, [{ col: 'drafts', value: { id: 'd2', text: 'base' } }])
    await a.update('drafts', 'd2', { text: 'LOCKED' })
    await b.write({ op: 'update', col: 'drafts', key: 'd2', patch: { text: 'mine' } }, { op: 'put', col: 'drafts', value: { id: 'd3', text: 'same tx' } })
    await reconcile(a, b)
    expect(await expectSame('drafts', 'd2', a, b)).toEqual({ id: 'd2', text: 'LOCKED' })
    expect(await b.get('drafts', 'd3')).toBeUndefined()
    expect(conflictOn(await b.conflicts(), 'd2')).toMatchObject({ policy: 'custom', rejected: true, code: 'conflict' })
  })

  it('manual: conflicting fields keep the remote value, an open conflict appears everywhere, resolve closes it', async () => {
    const [a, b] = await twoOfflineReplicas(s, [{ col: 'notes', value: { id: 'n1', body: 'base', tag: 't' } }])
    await a.update('notes', 'n1', { body: 'from a' })
    await b.update('notes', 'n1', { body: 'from b', tag: 'u' })
    await reconcile(a, b)
    expect(await expectSame('notes', 'n1', a, b)).toEqual({ id: 'n1', body: 'from a', tag: 'u' })
    const open = conflictOn(await a.conflicts(), 'n1')
    expect(open).toMatchObject({ policy: 'manual', open: true, fields: ['body'], local: { body: 'from b' } })
    expect(conflictOn(await b.conflicts(), 'n1')?.open).toBe(true)

    await b.write({ op: 'resolve', col: 'notes', key: 'n1', conflictId: (open as ConflictRecord).id, values: { body: 'from a and b' } })
    await reconcile(b, a)
    expect(await expectSame('notes', 'n1', a, b)).toEqual({ id: 'n1', body: 'from a and b', tag: 'u' })
    for (const replica of [a, b]) {
      const closed = conflictOn(await replica.conflicts(), 'n1')
      expect(closed?.open).toBeUndefined()
      expect(closed?.closedBy).toBeGreaterThan(0)
    }
    expect(a.conflictsSeen.some((c) => c.key === 'n1' && c.closedBy !== undefined)).toBe(true)

    // Dismissed records leave conflicts() for good, on that replica only.
    unwrap(await a.runtime.dismissConflict((open as ConflictRecord).id))
    expect(conflictOn(await a.conflicts(), 'n1')).toBeUndefined()
    expect(conflictOn(await b.conflicts(), 'n1')).toBeDefined()
  })
})
