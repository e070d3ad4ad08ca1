import { describe, expect, it } from 'vitest'
import { counter, custom, fieldMerge, lastWriterWins, manual, rejectConflicts } from '@accord/core'
import type { CollectionDef, CustomMergeFn, CustomMergeInput, StandardSchemaV1 } from '@accord/core'
import { connectionOf, createHarness } from '../../test/helpers.js'

const T = 1_000_000

/** A creates c1 (seq 1); B, who saw it, patches `title` (seq 2); A, on base 1, deletes it (seq 3). */
function updateThenDelete(def: CollectionDef, deleteAt: number) {
  const h = createHarness({ items: def })
  const a = h.writer('r1', 'w1')
  const b = h.writer('r2', 'w2')
  h.push(connectionOf(a), [a.put('c1', { title: 't0', body: 'b0' }, { at: T })])
  h.push(connectionOf(b), [b.patch('c1', { title: 'B' }, { base: 1, at: T + 10 })])
  const decision = h.push(connectionOf(a), [a.del('c1', { base: 1, at: deleteAt })])
  return { h, decision, commit: decision.commits[0], state: h.view.record('items', 'c1') }
}

/** A creates c1 (seq 1); B, who saw it, deletes it (seq 2); A, on base 1, patches `title` (seq 3). */
function deleteThenUpdate(def: CollectionDef, updateAt: number, op: 'patch' | 'put' = 'patch') {
  const h = createHarness({ items: def })
  const a = h.writer('r1', 'w1')
  const b = h.writer('r2', 'w2')
  h.push(connectionOf(a), [a.put('c1', { title: 't0', body: 'b0' }, { at: T, inc: def.policy?.fields?.['votes'] ? { votes: 4 } : undefined })])
  h.push(connectionOf(b), [b.del('c1', { base: 1, at: T + 10 })])
  const update = op === 'patch' ? a.patch('c1', { title: 'A' }, { base: 1, at: updateAt }) : a.put('c1', { title: 'A' }, { base: 1, at: updateAt })
  const decision = h.push(connectionOf(a), [update])
  return { h, decision, commit: decision.commits[0], state: h.view.record('items', 'c1') }
}

const spy = (answer: ReturnType<CustomMergeFn>) => {
  const calls: CustomMergeInput[] = []
  const merge: CustomMergeFn = (input) => {
    calls.push(structuredClone(input))
    return answer
  }
  return { calls, def: { policy: custom(merge) } satisfies CollectionDef }
}

describe('a stale delete racing an update', () => {
  it.each([
    ['fieldMerge', fieldMerge()],
    ['lastWriterWins', lastWriterWins()],
  ] as const)('%s: the later HLC stands', (name, policy) => {
    const later = updateThenDelete({ policy }, T + 20)
    expect(later.state?.deleted).toBe(true)
    expect(later.commit).toMatchObject({ del: true, conflict: { policy: name, fields: ['title'], rejected: false, local: undefined, result: undefined } })
    const earlier = updateThenDelete({ policy }, T + 5)
    expect(earlier.state).toMatchObject({ deleted: false, version: 2, value: { id: 'c1', title: 'B', body: 'b0' } })
    expect(earlier.commit).toMatchObject({ pv: 2, conflict: { fields: ['title'] } })
    expect(earlier.commit?.del).toBeUndefined()
  })

  it('rejectConflicts: the later-arriving delete is rejected', () => {
    const { state, commit, decision } = updateThenDelete({ policy: rejectConflicts() }, T + 20)
    expect(state?.deleted).toBe(false)
    expect(commit).toMatchObject({ rejected: 'conflict', conflict: { rejected: true } })
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 2, code: 'conflict' }])
  })

  it('manual: the record stays and a conflict opens', () => {
    const { state, commit } = updateThenDelete({ policy: manual() }, T + 20)
    expect(state).toMatchObject({ deleted: false, value: { title: 'B' } })
    expect(commit?.conflict).toMatchObject({ open: true, local: undefined })
  })

  it('custom: the merge sees local undefined and op delete; null deletes, values keep the record', () => {
    const deleting = spy(null)
    const gone = updateThenDelete(deleting.def, T + 20)
    expect(deleting.calls[0]).toMatchObject({ local: undefined, remote: { title: 'B' }, fields: ['title'], meta: { op: 'delete' } })
    expect(gone.state?.deleted).toBe(true)
    const untouched = updateThenDelete(spy({}).def, T + 20)
    // Nothing written: a no-op commit that leaves the version where replicas have it.
    expect(untouched.state).toMatchObject({ deleted: false, version: 2 })
    expect(untouched.commit).toMatchObject({ pv: 2, hlc: {} })
    expect(untouched.commit?.set ?? untouched.commit?.unset ?? untouched.commit?.del).toBeUndefined()
    const keeping = spy({ title: 'kept' })
    const kept = updateThenDelete(keeping.def, T + 20)
    expect(kept.state).toMatchObject({ deleted: false, value: { id: 'c1', title: 'kept', body: 'b0' } })
  })
})

describe('a stale update racing a delete', () => {
  it.each([
    ['fieldMerge', fieldMerge()],
    ['lastWriterWins', lastWriterWins()],
  ] as const)('%s: a later update resurrects the tombstone’s value with the update applied', (name, policy) => {
    const { state, commit } = deleteThenUpdate({ policy }, T + 20)
    expect(state).toMatchObject({ deleted: false, version: 3, value: { id: 'c1', title: 'A', body: 'b0' } })
    expect(commit?.set).toEqual({ id: 'c1', title: 'A', body: 'b0' })
    expect(commit?.conflict).toMatchObject({ policy: name, remote: undefined, rejected: false })
  })

  it.each([
    ['fieldMerge', fieldMerge()],
    ['lastWriterWins', lastWriterWins()],
  ] as const)('%s: an earlier update is lost and the delete stands', (_name, policy) => {
    const { state, commit } = deleteThenUpdate({ policy }, T + 5)
    expect(state).toMatchObject({ deleted: true, version: 2 })
    expect(commit).toMatchObject({ pv: 2, hlc: {} })
    expect(commit?.set).toBeUndefined()
    expect(commit?.conflict?.rejected).toBe(false)
  })

  it('a winning put resurrects as exactly the put record, counters restarting from 0', () => {
    const { state } = deleteThenUpdate({ policy: fieldMerge({ fields: { votes: counter() } }) }, T + 20, 'put')
    expect(state?.value).toEqual({ id: 'c1', title: 'A', votes: 0 })
  })

  it('a winning patch resurrects with the tombstone’s counters', () => {
    const { state } = deleteThenUpdate({ policy: fieldMerge({ fields: { votes: counter() } }) }, T + 20)
    expect(state?.value).toEqual({ id: 'c1', title: 'A', body: 'b0', votes: 4 })
  })

  it('a resurrection that fails the schema is rejected', () => {
    const noA: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (v) => ((v as { title?: unknown }).title === 'A' ? { issues: [{ message: 'no A' }] } : { value: v }),
      },
    }
    const { state, decision } = deleteThenUpdate({ policy: fieldMerge(), schema: noA }, T + 20)
    expect(state?.deleted).toBe(true)
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 2, code: 'validation_failed' }])
  })

  it('rejectConflicts: the later-arriving update is rejected', () => {
    const { state, decision } = deleteThenUpdate({ policy: rejectConflicts() }, T + 20)
    expect(state?.deleted).toBe(true)
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 2, code: 'conflict' }])
  })

  it('manual: the delete stays and a conflict opens', () => {
    const { state, commit } = deleteThenUpdate({ policy: manual() }, T + 20)
    expect(state?.deleted).toBe(true)
    expect(commit?.conflict).toMatchObject({ open: true, remote: undefined, local: { title: 'A' } })
  })

  it('custom: remote is undefined; values resurrect, null keeps the delete', () => {
    const resurrecting = spy({ title: 'merged' })
    const back = deleteThenUpdate(resurrecting.def, T + 20)
    expect(resurrecting.calls[0]).toMatchObject({ remote: undefined, local: { title: 'A' }, meta: { op: 'patch' } })
    expect(back.state).toMatchObject({ deleted: false, value: { id: 'c1', title: 'merged', body: 'b0' } })
    const staying = spy(null)
    expect(deleteThenUpdate(staying.def, T + 20).state?.deleted).toBe(true)
  })
})

describe('deletes without a race', () => {
  it('a delete of an absent or deleted record is a no-op commit', () => {
    const h = createHarness({ items: { policy: rejectConflicts() } })
    const a = h.writer('r1', 'w1')
    const decision = h.push(connectionOf(a), [a.del('nope')])
    expect(decision.commits[0]).toMatchObject({ pv: 0, hlc: {} })
    expect(decision.commits[0]?.del).toBeUndefined()
    expect(decision.ack.rejected).toEqual([])
    expect(h.view.record('items', 'nope')).toBeUndefined()
  })

  it('an update on a base that saw the delete resurrects it without a conflict', () => {
    const h = createHarness({ items: { policy: rejectConflicts() } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' })])
    h.push(connectionOf(b), [b.del('c1', { base: 1 })])
    const decision = h.push(connectionOf(a), [a.put('c1', { title: 'again' }, { base: 2 })])
    expect(decision.commits[0]?.conflict).toBeUndefined()
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 'again' })
  })
})
