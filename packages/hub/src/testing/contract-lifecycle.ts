import { expect, it } from 'vitest'
import { TestWriter, dump, settle, type HubStoreFixture } from './contract-kit.js'

type Current = () => HubStoreFixture

/** Spaces, identity across reopen, replica binding, health. */
export function lifecycleContract(current: Current): void {
  it('creates a space on first open with a storeId, head 0 and purgedThrough 0', async () => {
    const { store } = current()
    const info = await store.openSpace('s1')
    expect(info).toMatchObject({ space: 's1', head: 0, purgedThrough: 0 })
    expect(typeof info.storeId).toBe('string')
    expect(info.storeId.length).toBeGreaterThan(0)
    expect((await store.openSpace('s1')).storeId).toBe(info.storeId)
    expect((await store.openSpace('s2')).storeId).not.toBe(info.storeId)
  })

  it('keeps storeId, head, records and watermarks across a reopen', async (ctx) => {
    const fixture = current()
    if (!fixture.reopen) return ctx.skip()
    const before = await fixture.store.openSpace('s1')
    const w = new TestWriter('r1')
    await settle(fixture.store, 's1', [w.put('items', 'a', { id: 'a', title: 'A' })])
    const snapshot = await dump(fixture.store, 's1', 'r1')
    await fixture.store.close()
    fixture.store = await fixture.reopen()
    const after = await fixture.store.openSpace('s1')
    expect(after.storeId).toBe(before.storeId)
    expect(after.head).toBe(1)
    expect(await dump(fixture.store, 's1', 'r1')).toEqual(snapshot)
    expect(await fixture.store.watermarks('s1', [w.writer])).toEqual({ [w.writer]: 1 })
  })

  it('binds a replica to its first principal; another principal finds it taken', async () => {
    const { store } = current()
    await store.openSpace('s1')
    await store.openSpace('s2')
    expect(await store.bindReplica('s1', 'r1', 'alice')).toBe('bound')
    expect(await store.bindReplica('s1', 'r1', 'alice')).toBe('bound')
    expect(await store.bindReplica('s1', 'r1', 'bob')).toBe('taken')
    expect(await store.bindReplica('s2', 'r1', 'bob')).toBe('bound')
    expect(await store.bindReplica('s1', 'r2', 'bob')).toBe('bound')
  })

  it('reports health', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const health = await store.health()
    expect(health.ok).toBe(true)
    expect(health.spaces).toBeGreaterThanOrEqual(1)
  })
}
