import { describe, expect, it } from 'vitest'
import { counter, custom, fieldMerge, lastWriterWins, manual, rejectConflicts } from '@accord/core'
import type { Change, CollectionDef, CustomMergeFn, CustomMergeInput, DecideBatchResult } from '@accord/core'
import { connectionOf, createHarness } from '../../test/helpers.js'

const T = 1_000_000

/** A creates c1 (seq 1); B, who saw it, changes `title` (seq 2). A, still on base 1, writes next. */
function afterRemoteEdit(def: CollectionDef) {
  const h = createHarness({ items: def })
  const a = h.writer('r1', 'w1')
  const b = h.writer('r2', 'w2')
  h.push(connectionOf(a), [a.put('c1', { title: 't0', body: 'b0' }, { at: T })])
  h.push(connectionOf(b), [b.patch('c1', { title: 'B' }, { base: 1, prev: { title: 't0' }, at: T + 10 })])
  return { h, a, b }
}

/** What a decision must not have touched: the view as it stood. */
function snapshotOf(h: ReturnType<typeof createHarness>): string {
  return JSON.stringify({ head: h.view.head, records: [...h.view.records], writers: [...h.view.writers], conflicts: [...h.view.conflicts] })
}

function refusedFor(result: DecideBatchResult): { code: string; details: unknown } {
  if (result.ok) throw new Error('expected the batch to be refused')
  return { code: result.error.code, details: result.error.details }
}

const policies: [string, CollectionDef][] = [
  ['fieldMerge', { policy: fieldMerge() }],
  ['lastWriterWins', { policy: lastWriterWins() }],
  ['rejectConflicts', { policy: rejectConflicts() }],
  ['custom', { policy: custom(({ local }) => ({ ...local })) }],
  ['manual', { policy: manual() }],
]

describe('prev on demand: a conflicting change without prev', () => {
  it.each(policies)('%s: refuses the whole push as prev_required, deciding nothing', (_name, def) => {
    const { h, a } = afterRemoteEdit(def)
    const before = snapshotOf(h)
    const lean = a.patch('c1', { title: 'A' }, { base: 1, lean: true, at: T + 20 })
    expect(lean.prev).toBeUndefined()
    expect(refusedFor(h.decide(connectionOf(a), [lean]))).toEqual({ code: 'prev_required', details: { writer: 'w1', n: 2 } })
    expect(snapshotOf(h)).toBe(before)
  })

  it.each(policies)('%s: the same change sent again with prev is decided, its prev as the base', (_name, def) => {
    const { h, a } = afterRemoteEdit(def)
    const lean = a.patch('c1', { title: 'A' }, { base: 1, lean: true, at: T + 20 })
    expect(h.decide(connectionOf(a), [lean]).ok).toBe(false)
    const decision = h.push(connectionOf(a), [{ ...lean, prev: { title: 't0' } }])
    expect(decision.commits[0]?.conflict).toMatchObject({ fields: ['title'], base: { title: 't0' } })
  })

  it('refuses the push even when the conflicting change comes after transactions that would stand', () => {
    const { h, a } = afterRemoteEdit({ policy: fieldMerge() })
    const before = snapshotOf(h)
    const fine = a.put('c2', { title: 'new' }, { lean: true })
    const conflicting = a.patch('c1', { title: 'A' }, { base: 1, lean: true })
    expect(refusedFor(h.decide(connectionOf(a), [fine, conflicting])).code).toBe('prev_required')
    expect(snapshotOf(h)).toBe(before)
  })

  it('never calls a custom merge without the base', () => {
    const calls: CustomMergeInput[] = []
    const merge: CustomMergeFn = (input) => {
      calls.push(structuredClone(input))
      return { title: 'merged' }
    }
    const { h, a } = afterRemoteEdit({ policy: custom(merge) })
    const lean = a.patch('c1', { title: 'A' }, { base: 1, lean: true })
    h.decide(connectionOf(a), [lean])
    expect(calls).toEqual([])
    h.push(connectionOf(a), [{ ...lean, prev: { title: 't0' } }])
    expect(calls.map((c) => c.base)).toEqual([{ title: 't0' }])
  })

  it('also when the record was deleted since (an update racing a delete)', () => {
    const h = createHarness({ items: { policy: fieldMerge() } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' }, { at: T })])
    h.push(connectionOf(b), [b.del('c1', { base: 1, at: T + 10 })])
    const lean = a.patch('c1', { title: 'A' }, { base: 1, lean: true, at: T + 20 })
    expect(refusedFor(h.decide(connectionOf(a), [lean])).code).toBe('prev_required')
    const decision = h.push(connectionOf(a), [{ ...lean, prev: { title: 't0' } }])
    expect(decision.commits[0]?.conflict?.base).toEqual({ title: 't0' })
  })

  it('an empty prev, `{}`, is a prev: the writer saw none of the fields', () => {
    const h = createHarness({ items: { policy: fieldMerge() } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(b), [b.put('c1', { title: 'B' }, { at: T })])
    const create = a.put('c1', { title: 'A' }, { at: T + 10 })
    expect(create.prev).toEqual({})
    expect(h.push(connectionOf(a), [create]).commits[0]?.conflict).toMatchObject({ fields: ['title'], base: {} })
  })
})

describe('prev on demand: changes that need no prev', () => {
  /** Decides `make`'s change lean and with prev on two identical hubs: the decisions must be equal. */
  function bothWays(def: CollectionDef, make: (h: ReturnType<typeof afterRemoteEdit>, lean: boolean) => Change[]) {
    const decide = (lean: boolean) => {
      const setup = afterRemoteEdit(def)
      const result = setup.h.decide(connectionOf(setup.a), make(setup, lean))
      if (!result.ok) throw new Error(`refused: ${result.error.code}`)
      // Everything but `effects`, which hold the changes as received.
      const { effects: _asReceived, ...decided } = result.decision
      return decided
    }
    return { lean: decide(true), full: decide(false) }
  }

  it('decides a change that does not conflict exactly as with prev', () => {
    const { lean, full } = bothWays({ policy: fieldMerge() }, ({ a }, lean) => [
      a.patch('c1', { body: 'A' }, { base: 1, prev: { body: 'b0' }, ...(lean ? { lean: true } : {}) }),
      a.patch('c1', { title: 'A' }, { base: 2, prev: { title: 'B' }, ...(lean ? { lean: true } : {}) }),
      a.put('c2', { title: 'new' }, lean ? { lean: true } : {}),
    ])
    expect(lean.commits.map((c) => c.conflict)).toEqual([undefined, undefined, undefined])
    expect(lean).toEqual(full)
  })

  it('decides a writer’s second edit of a field it wrote itself (no conflict) exactly as with prev', () => {
    const { lean, full } = bothWays({ policy: rejectConflicts() }, ({ a }, lean) => [
      a.patch('c1', { body: 'A1' }, { base: 2, prev: { body: 'b0' }, ...(lean ? { lean: true } : {}) }),
      a.patch('c1', { body: 'A2' }, { base: 2, prev: { body: 'A1' }, ...(lean ? { lean: true } : {}) }),
    ])
    expect(lean.ack.rejected).toEqual([])
    expect(lean).toEqual(full)
  })

  it('never asks prev of a change that writes no plain field (counter deltas, deletes)', () => {
    const h = createHarness({ items: { policy: fieldMerge({ fields: { votes: counter() } }) } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' }, { at: T })])
    h.push(connectionOf(b), [b.patch('c1', { title: 'B' }, { base: 1, at: T + 10 })])
    h.push(connectionOf(b), [b.del('c1', { base: 2, at: T + 20 })])
    const decision = h.push(connectionOf(a), [a.change({ op: 'patch', key: 'c1', base: 1, inc: { votes: 1 }, at: T + 30 }), a.del('c1', { base: 1, at: T + 40 })])
    expect(decision.commits[0]?.conflict?.base).toEqual({})
  })

  it('acknowledges an already settled change without prev (a duplicate push) without deciding it', () => {
    const { h, a } = afterRemoteEdit({ policy: fieldMerge() })
    const lean = a.patch('c1', { title: 'A' }, { base: 1, lean: true })
    h.push(connectionOf(a), [{ ...lean, prev: { title: 't0' } }])
    const again = h.push(connectionOf(a), [lean])
    expect(again.commits).toEqual([])
    expect(again.ack.through).toEqual({ w1: 2 })
  })
})
