import { expect, it } from 'vitest'
import { TestWriter, settle, type HubStoreFixture } from './contract-kit.js'

type Current = () => HubStoreFixture

/** Retention: tombstones and settled conflicts go, open manual conflicts stay, purgedThrough rises. */
export function purgeContract(current: Current): void {
  it('drops tombstones and closed conflicts through a seq, keeps open manual conflicts, raises purgedThrough', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const a = new TestWriter('r1')
    const b = new TestWriter('r2')
    await settle(store, 's1', [a.put('notes', 'n', { id: 'n', title: 'a' })]) // 1
    await settle(store, 's1', [b.patch('notes', 'n', { title: 'b' }, 0)]) // 2: open manual conflict
    await settle(store, 's1', [a.put('items', 'x', { id: 'x' })]) // 3
    await settle(store, 's1', [a.delete('items', 'x', 3)]) // 4: tombstone
    await settle(store, 's1', [b.put('items', 'y', { id: 'y', bad: true })]) // 5: refusal (closed at once)
    await settle(store, 's1', [a.put('items', 'z', { id: 'z' })]) // 6
    await settle(store, 's1', [a.delete('items', 'z', 6)]) // 7: tombstone after the purge point

    await store.purge('s1', 5)
    expect((await store.openSpace('s1')).purgedThrough).toBe(5)
    const page = await store.pull('s1', { since: 0, limit: 100, replica: 'r2' })
    expect(page.records.map((r) => [r.key, r.deleted ?? false])).toEqual([['n', false], ['z', true]])
    expect(page.conflicts.map((c) => c.id)).toEqual([2])
    expect(page.conflicts[0]?.open).toBe(true)

    await store.purge('s1', 3) // never lowers
    expect((await store.openSpace('s1')).purgedThrough).toBe(5)
    await store.purge('s1', 1000) // capped at the head
    expect((await store.openSpace('s1')).purgedThrough).toBe(7)
    const later = await store.pull('s1', { since: 0, limit: 100, replica: 'r2' })
    expect(later.records.map((r) => r.key)).toEqual(['n'])
    expect(later.conflicts.map((c) => c.id)).toEqual([2])
  })
}
