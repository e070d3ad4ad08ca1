import { DecisionOverlay, mergeDecisions } from '@accord/core/internal'
import { expect, it } from 'vitest'
import { decisionRequest, snapshotView } from '../batch-runner.js'
import { TestWriter, decide, decideOn, dump, settle, type HubStoreFixture } from './contract-kit.js'

type Current = () => HubStoreFixture

/** Atomic, optimistic batches; watermarks in the batch; snapshot reads. */
export function batchContract(current: Current): void {
  it('writes a whole decision: records, watermarks, head', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const w = new TestWriter('r1')
    const decision = await settle(store, 's1', w.txn([
      { col: 'items', key: 'a', op: 'put', base: 0, set: { id: 'a', title: 'A' } },
      { col: 'items', key: 'b', op: 'put', base: 0, set: { id: 'b', title: 'B' }, inc: { hits: 2 } },
    ]))
    expect((await store.openSpace('s1')).head).toBe(2)
    const snapshot = await store.readForDecision('s1', { records: [{ col: 'items', key: 'a' }, { col: 'items', key: 'b' }], writers: [w.writer], conflicts: [] })
    expect(snapshot.head).toBe(2)
    expect(sortByKey(snapshot.records)).toEqual(sortByKey(decision.records))
    expect(snapshot.records.find((r) => r.key === 'b')?.value).toEqual({ id: 'b', title: 'B', hits: 2 })
    expect(snapshot.writers).toEqual([{ writer: w.writer, replica: 'r1', watermark: 2 }])
    expect(await store.watermarks('s1', [w.writer, 'unknown-writer'])).toEqual({ [w.writer]: 2 })
  })

  it('writes a decision of many records; a record listed twice keeps its last state', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const w = new TestWriter('r1')
    const keys = Array.from({ length: 123 }, (_, i) => `k${i}`)
    const decision = await settle(store, 's1', w.txn(keys.map((key) => ({ col: 'items', key, op: 'put', base: 0, set: { id: key, title: key } }))))
    const request = { records: keys.map((key) => ({ col: 'items', key })), writers: [], conflicts: [] }
    expect(sortByKey((await store.readForDecision('s1', request)).records)).toEqual(sortByKey(decision.records))
    const next = await decide(store, 's1', [w.patch('items', 'k7', { title: 'last' }, 7)])
    const state = next.records[0]
    if (!state) throw new Error('expected a record')
    next.records = [{ ...state, value: { ...state.value, title: 'stale' } }, state]
    expect(await store.commitBatch('s1', next)).toBe(true)
    const read = await store.readForDecision('s1', { records: [{ col: 'items', key: 'k7' }], writers: [], conflicts: [] })
    expect(read.records).toEqual([state])
  })

  it('refuses a decision made on an old head and writes nothing of it', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const a = new TestWriter('r1')
    const b = new TestWriter('r2')
    const stale = await decide(store, 's1', [b.put('items', 'x', { id: 'x', title: 'from b' })])
    await settle(store, 's1', [a.put('items', 'y', { id: 'y', title: 'from a' })])
    const before = await dump(store, 's1', 'r2')
    expect(await store.commitBatch('s1', stale)).toBe(false)
    expect(await dump(store, 's1', 'r2')).toEqual(before)
    expect(await store.watermarks('s1', [b.writer])).toEqual({})
  })

  it('never writes the same decision twice', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const w = new TestWriter('r1')
    const decision = await settle(store, 's1', [w.put('items', 'a', { id: 'a' })])
    const before = await dump(store, 's1')
    expect(await store.commitBatch('s1', decision)).toBe(false)
    expect(await dump(store, 's1')).toEqual(before)
  })

  it('writes nothing of a batch that fails midway, and stays usable', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const w = new TestWriter('r1')
    await settle(store, 's1', [w.put('items', 'keep', { id: 'keep', title: 'kept' })])
    const before = await dump(store, 's1', 'r1')
    const decision = await decide(store, 's1', w.txn([
      { col: 'items', key: 'a', op: 'put', base: 0, set: { id: 'a', title: 'A' } },
      { col: 'notes', key: 'n', op: 'put', base: 0, set: { id: 'n', title: 'N' } },
    ]))
    // A value no store can encode, in the last record a batch writes: the failure comes after the first writes.
    const last = decision.records[decision.records.length - 1]
    if (!last) throw new Error('expected records')
    ;(last.value as Record<string, unknown>)['poison'] = 10n
    await expect(store.commitBatch('s1', decision)).rejects.toThrow()
    expect(await dump(store, 's1', 'r1')).toEqual(before)
    expect(await store.watermarks('s1', [w.writer])).toEqual({ [w.writer]: 1 })
    const retry = await settle(store, 's1', [new TestWriter('r1', 'r1-w2').put('items', 'b', { id: 'b' })])
    expect(retry.ack.seq).toBe(2)
  })

  it('writes nothing of a batch the database refuses midway (a conflict id already taken), and stays usable', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const a = new TestWriter('r1')
    const b = new TestWriter('r2')
    await settle(store, 's1', [a.put('notes', 'n', { id: 'n', title: 'a' })])
    const first = (await settle(store, 's1', [b.patch('notes', 'n', { title: 'b' }, 0)])).conflicts[0]
    const before = await dump(store, 's1', 'r2')
    const decision = await decide(store, 's1', [b.put('items', 'x', { id: 'x' }), b.patch('notes', 'n', { title: 'again' }, 0)])
    const conflict = decision.conflicts[0]
    if (!conflict || !first) throw new Error('expected conflicts')
    // The records come before the conflicts in the write: this fails after they were written.
    decision.conflicts = [{ ...conflict, id: first.id }]
    await expect(store.commitBatch('s1', decision)).rejects.toThrow()
    expect(await dump(store, 's1', 'r2')).toEqual(before)
    const retry = await settle(store, 's1', [new TestWriter('r3').put('items', 'y', { id: 'y' })])
    expect(retry.ack.seq).toBe(3)
  })

  it('reads one snapshot for a decision while a batch commits', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const w = new TestWriter('r1')
    await settle(store, 's1', [w.put('items', 'a', { id: 'a', title: 'v1' })])
    const decision = await decide(store, 's1', w.txn([
      { col: 'items', key: 'a', op: 'patch', base: 1, set: { title: 'v2' } },
      { col: 'items', key: 'b', op: 'put', base: 0, set: { id: 'b', title: 'new' } },
    ]))
    const request = { records: [{ col: 'items', key: 'a' }, { col: 'items', key: 'b' }], writers: [w.writer], conflicts: [] }
    const [snapshot, committed] = await Promise.all([store.readForDecision('s1', request), store.commitBatch('s1', decision)])
    expect(committed).toBe(true)
    const a = snapshot.records.find((r) => r.key === 'a')
    const b = snapshot.records.find((r) => r.key === 'b')
    if (snapshot.head === 1) {
      expect([a?.value['title'], b, snapshot.writers[0]?.watermark]).toEqual(['v1', undefined, 1])
    } else {
      expect(snapshot.head).toBe(3)
      expect([a?.value['title'], b?.value['title'], snapshot.writers[0]?.watermark]).toEqual(['v2', 'new', 3])
    }
  })

  it('stores ConflictRecords and closes manual ones', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const a = new TestWriter('r1')
    const b = new TestWriter('r2')
    await settle(store, 's1', [a.put('notes', 'n', { id: 'n', title: 'a' })])
    const conflicted = await settle(store, 's1', [b.patch('notes', 'n', { title: 'b' }, 0)])
    const open = conflicted.conflicts[0]
    expect(open?.open).toBe(true)
    const read = await store.readForDecision('s1', { records: [], writers: [], conflicts: [open?.id ?? -1, 999] })
    expect(read.conflicts).toEqual([open])
    const resolved = await settle(store, 's1', [a.patch('notes', 'n', { title: 'merged' }, 2, { resolves: open?.id ?? -1 })])
    expect(resolved.closed).toEqual([{ id: open?.id, closedBy: 3 }])
    const after = await store.readForDecision('s1', { records: [{ col: 'notes', key: 'n' }], writers: [], conflicts: [open?.id ?? -1] })
    expect(after.conflicts).toEqual([{ ...open, closedBy: 3 }])
    expect(after.records[0]?.value).toEqual({ id: 'n', title: 'merged' })
  })
}

/**
 * Group commit: decisions made one on top of the other (`DecisionOverlay`) and written as one
 * (`mergeDecisions`), in which a record is written by several of them and a manual conflict is
 * opened by one and closed by the next.
 */
export function groupContract(current: Current): void {
  it('writes a group of decisions merged into one, as the last of them leaves the space', async () => {
    const { store } = current()
    await store.openSpace('s1')
    const a = new TestWriter('r1')
    const b = new TestWriter('r2')
    const batches = [
      [a.put('notes', 'n', { id: 'n', title: 'a' }), a.put('items', 'x', { id: 'x', title: 'a' })],
      [b.patch('notes', 'n', { title: 'b' }, 0), b.patch('items', 'x', { title: 'b' }, 2)],
    ]
    const overlay = new DecisionOverlay(snapshotView(await store.readForDecision('s1', decisionRequest(batches.flat()))))
    const decisions = batches.map((changes) => {
      const decision = decideOn(overlay, changes)
      overlay.add(decision)
      return decision
    })
    const opened = decisions[1]?.conflicts[0]
    expect(opened?.open).toBe(true)
    const resolve = [a.patch('notes', 'n', { title: 'merged' }, 3, { resolves: opened?.id ?? -1 }), a.patch('items', 'x', { title: 'c' }, 4)]
    const last = decideOn(overlay, resolve)
    overlay.add(last)
    expect(last.closed).toEqual([{ id: opened?.id, closedBy: 5 }])

    expect(await store.commitBatch('s1', mergeDecisions([...decisions, last]))).toBe(true)
    const keys = [{ col: 'notes', key: 'n' }, { col: 'items', key: 'x' }]
    const read = await store.readForDecision('s1', { records: keys, writers: [a.writer, b.writer], conflicts: [opened?.id ?? -1] })
    expect(read.head).toBe(6)
    expect(sortByKey(read.records)).toEqual(sortByKey(keys.map(({ col, key }) => overlay.record(col, key))))
    expect(read.records.find((r) => r.key === 'x')?.value).toEqual({ id: 'x', title: 'c', hits: 0 })
    expect(read.writers).toEqual([overlay.writer(a.writer), overlay.writer(b.writer)])
    expect(read.conflicts).toEqual([{ ...opened, closedBy: 5 }])
    const page = await store.pull('s1', { since: 0, limit: 10, replica: 'r2' })
    expect(page.records.map((r) => [r.key, r.version])).toEqual([['n', 5], ['x', 6]])
    expect(page.conflicts).toEqual([{ ...opened, closedBy: 5 }])
  })
}

function sortByKey<T extends { key: string }>(items: Array<T | undefined>): Array<T | undefined> {
  return [...items].sort((x, y) => ((x?.key ?? '') < (y?.key ?? '') ? -1 : 1))
}
