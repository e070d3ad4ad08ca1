import type { HubStore, PulledRecord } from '@accord/core'
import { expect, it } from 'vitest'
import { TestWriter, settle, type HubStoreFixture } from './contract-kit.js'

type Current = () => HubStoreFixture

/** Catch-up pages: version order, `until`, tombstones, collections, conflicts, watermarks. */
export function pullContract(current: Current): void {
  it('pages records in version order; until is the last version of a full page, then the head', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const w = new TestWriter('r1')
    for (const key of ['a', 'b', 'c', 'd']) await settle(store, 's1', [w.put('items', key, { id: key, title: key })])
    await settle(store, 's1', [w.patch('items', 'b', { title: 'b2' }, 2)]) // b moves to version 5
    const first = await store.pull('s1', { since: 0, limit: 2, replica: 'r1' })
    expect(first.records.map((r) => [r.key, r.version])).toEqual([['a', 1], ['c', 3]])
    expect(first).toMatchObject({ until: 3, head: 5, more: true })
    const second = await store.pull('s1', { since: first.until, limit: 2, replica: 'r1' })
    expect(second.records.map((r) => [r.key, r.version])).toEqual([['d', 4], ['b', 5]])
    expect(second.more).toBe(false)
    expect(second.until).toBe(5)
    expect(second.records[1]).toMatchObject({ col: 'items', key: 'b', version: 5, value: { id: 'b', title: 'b2' } })
    expect(typeof second.records[1]?.hlc).toBe('string')
    expect(await store.pull('s1', { since: 5, limit: 2, replica: 'r1' })).toMatchObject({ records: [], until: 5, head: 5, more: false })
  })

  it('returns tombstones without a value', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const w = new TestWriter('r1')
    await settle(store, 's1', [w.put('items', 'a', { id: 'a', title: 'A' })])
    await settle(store, 's1', [w.delete('items', 'a', 1)])
    const page = await store.pull('s1', { since: 0, limit: 10, replica: 'r1' })
    expect(page.records).toEqual([{ col: 'items', key: 'a', version: 2, deleted: true, hlc: expect.any(String) as string }])
  })

  it('filters by collection', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const w = new TestWriter('r1')
    await settle(store, 's1', [w.put('items', 'a', { id: 'a' })])
    await settle(store, 's1', [w.put('notes', 'n', { id: 'n' })])
    const page = await store.pull('s1', { since: 0, limit: 10, cols: ['notes'], replica: 'r1' })
    expect(page.records.map((r) => r.key)).toEqual(['n'])
    expect(page.until).toBe(2)
  })

  it('returns conflicts opened or closed in (since, until], private ones only to their replica', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const a = new TestWriter('r1')
    const b = new TestWriter('r2')
    await settle(store, 's1', [a.put('notes', 'n', { id: 'n', title: 'a' })]) // 1
    const refused = await settle(store, 's1', [b.put('items', 'x', { id: 'x', bad: true })]) // 2: private refusal
    expect(refused.conflicts[0]).toMatchObject({ id: 2, private: true, by: 'r2', rejected: true })
    await settle(store, 's1', [b.patch('notes', 'n', { title: 'b' }, 0)]) // 3: open manual conflict
    await settle(store, 's1', [a.put('items', 'y', { id: 'y' })]) // 4
    await settle(store, 's1', [a.patch('notes', 'n', { title: 'c' }, 1, { resolves: 3 })]) // 5 closes 3

    const ids = async (since: number, replica: string) => (await store.pull('s1', { since, limit: 100, replica })).conflicts.map((c) => [c.id, c.closedBy])
    expect(await ids(0, 'r2')).toEqual([[2, undefined], [3, 5]])
    expect(await ids(0, 'r1')).toEqual([[3, 5]])
    expect(await ids(3, 'r1')).toEqual([[3, 5]]) // closed at 5, inside (3, 5]
    expect(await ids(5, 'r2')).toEqual([])
    const page = await store.pull('s1', { since: 0, limit: 1, replica: 'r1' }) // y (4) first; n moved to 5
    expect(page.records.map((r) => r.key)).toEqual(['y'])
    expect(page.until).toBe(4)
    expect(page.conflicts.map((c) => c.id)).toEqual([3])
    const early = await store.pull('s1', { since: 0, limit: 1, cols: ['items'], replica: 'r2' })
    expect(early.conflicts.map((c) => c.id)).toEqual([2]) // the notes conflict is outside cols
  })

  it('returns the watermarks of the pulling replica only', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const a1 = new TestWriter('r1', 'r1-a')
    const a2 = new TestWriter('r1', 'r1-b')
    const b = new TestWriter('r2')
    await settle(store, 's1', [a1.put('items', 'a', { id: 'a' }), a2.put('items', 'b', { id: 'b' }), a2.put('items', 'c', { id: 'c' })])
    await settle(store, 's1', [b.put('items', 'd', { id: 'd' })])
    expect((await store.pull('s1', { since: 0, limit: 1, replica: 'r1' })).watermarks).toEqual({ 'r1-a': 1, 'r1-b': 2 })
    expect((await store.pull('s1', { since: 0, limit: 1, replica: 'r2' })).watermarks).toEqual({ [b.writer]: 1 })
  })

  it('lets a reader paging by cursor see every commit exactly once (seq order = visibility order)', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const writers = [new TestWriter('r1'), new TestWriter('r2'), new TestWriter('r3')]
    const seen = new Map<string, number>()
    let cursor = 0
    for (let i = 0; i < 30; i++) {
      const w = writers[i % 3] as TestWriter
      await settle(store, 's1', [w.put('items', `k${i % 7}`, { id: `k${i % 7}`, title: `t${i}` })])
      if (i % 4 === 0) cursor = await drain(store, cursor, seen)
    }
    cursor = await drain(store, cursor, seen)
    expect(cursor).toBe(30)
    const all = await store.pull('s1', { since: 0, limit: 1000, replica: 'r1' })
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(all.records.map((r) => [r.key, r.version])))
  })
}

async function drain(store: HubStore, from: number, seen: Map<string, number>): Promise<number> {
  let cursor = from
  for (;;) {
    const page = await store.pull('s1', { since: cursor, limit: 2, replica: 'r1' })
    let last = cursor
    for (const record of page.records as PulledRecord[]) {
      expect(record.version).toBeGreaterThan(last)
      last = record.version
      seen.set(record.key, record.version)
    }
    cursor = page.until
    if (!page.more) return cursor
  }
}
