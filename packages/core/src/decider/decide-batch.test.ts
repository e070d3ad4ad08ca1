import { describe, expect, it } from 'vitest'
import { counter, custom, decodeHlc, fieldMerge, lastWriterWins, lww, manual, reject, rejectConflicts, set } from '@accord/core'
import type { CollectionDef, CustomMergeFn, CustomMergeInput, StandardSchemaV1 } from '@accord/core'
import { connectionOf, createHarness } from '../../test/helpers.js'

const T = 1_000_000

/**
 * The classic race on one record: A creates c1 (seq 1), B — who saw it — changes `title` (seq 2),
 * then A, still on base 1, changes `title` and `body`. `title` conflicts, `body` does not.
 * `aAt` places A's write before or after B's on the HLC line.
 */
function race(def: CollectionDef, aAt: number) {
  const h = createHarness({ items: def })
  const a = h.writer('r1', 'w1')
  const b = h.writer('r2', 'w2')
  h.push(connectionOf(a), [a.put('c1', { title: 't0', body: 'b0' }, { at: T })])
  h.push(connectionOf(b), [b.patch('c1', { title: 'B' }, { base: 1, prev: { title: 't0' }, at: T + 10 })])
  const decision = h.push(connectionOf(a), [a.patch('c1', { title: 'A', body: 'A-body' }, { base: 1, prev: { title: 't0', body: 'b0' }, at: aAt })])
  const commit = decision.commits[0]
  return { h, a, b, decision, commit, value: h.view.value('items', 'c1') }
}

describe('conflict table: fieldMerge', () => {
  it('keeps one-sided fields and settles both-sided ones by HLC: the later write wins', () => {
    const { value, commit, decision } = race({ policy: fieldMerge() }, T + 20)
    expect(value).toEqual({ id: 'c1', title: 'A', body: 'A-body' })
    expect(commit?.conflict).toMatchObject({ policy: 'fieldMerge', fields: ['title'], rejected: false, code: 'conflict', base: { title: 't0' }, remote: { title: 'B' } })
    expect(commit?.conflict?.private).toBeUndefined()
    expect(decision.ack.rejected).toEqual([])
  })

  it('keeps the remote value of a both-sided field when the incoming write is older', () => {
    const { value, commit } = race({ policy: fieldMerge() }, T + 5)
    expect(value).toEqual({ id: 'c1', title: 'B', body: 'A-body' })
    expect(commit?.set).toEqual({ body: 'A-body' })
    expect(commit?.conflict?.result).toEqual(value)
  })

  it('treats an explicit per-field lww() like the default', () => {
    expect(race({ policy: fieldMerge({ fields: { title: lww() } }) }, T + 5).value).toEqual({ id: 'c1', title: 'B', body: 'A-body' })
  })

  it('adds concurrent counter increments and never reports a conflict for them', () => {
    const h = createHarness({ items: { policy: fieldMerge({ fields: { votes: counter() } }) } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 't' }, { inc: { votes: 1 } })])
    const first = h.push(connectionOf(b), [b.change({ op: 'patch', key: 'c1', base: 1, inc: { votes: 2 } })])
    const second = h.push(connectionOf(a), [a.change({ op: 'patch', key: 'c1', base: 1, inc: { votes: 5 } })])
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 't', votes: 8 })
    expect(first.commits[0]?.conflict).toBeUndefined()
    expect(second.commits[0]?.conflict).toBeUndefined()
    expect(second.commits[0]?.set).toEqual({ votes: 8 })
  })

  it('settles concurrent set add/remove by hub order, without a conflict', () => {
    const h = createHarness({ items: { policy: fieldMerge({ fields: { tags: set() } }) } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', {}, { add: { tags: ['x', 'y'] } })])
    h.push(connectionOf(b), [b.change({ op: 'patch', key: 'c1', base: 1, remove: { tags: ['x'] } })])
    const last = h.push(connectionOf(a), [a.change({ op: 'patch', key: 'c1', base: 1, add: { tags: ['x', 'z'] } })])
    expect(h.view.value('items', 'c1')?.['tags']).toEqual(['y', 'x', 'z'])
    expect(last.commits[0]?.conflict).toBeUndefined()
  })
})

describe('conflict table: lastWriterWins', () => {
  it('applies the whole later change as a patch', () => {
    const { value, commit } = race({ policy: lastWriterWins() }, T + 20)
    expect(value).toEqual({ id: 'c1', title: 'A', body: 'A-body' })
    expect(commit?.conflict).toMatchObject({ policy: 'lastWriterWins', fields: ['title'], rejected: false })
  })

  it('drops the whole earlier change, one-sided fields included, as a no-op commit', () => {
    const { value, commit, h } = race({ policy: lastWriterWins() }, T + 5)
    expect(value).toEqual({ id: 'c1', title: 'B', body: 'b0' })
    expect(commit?.set).toBeUndefined()
    expect(commit?.pv).toBe(2)
    expect(h.view.version('items', 'c1')).toBe(2)
  })

  it('still counts the losing change’s counter deltas', () => {
    const h = createHarness({ items: { policy: lastWriterWins({ fields: { votes: counter() } }) } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' }, { at: T })])
    h.push(connectionOf(b), [b.patch('c1', { title: 'B' }, { base: 1, at: T + 10 })])
    h.push(connectionOf(a), [a.patch('c1', { title: 'A' }, { base: 1, at: T + 5, inc: { votes: 3 } })])
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 'B', votes: 3 })
  })
})

describe('concurrent creates of one key', () => {
  it('conflict on their fields, never on id', () => {
    const h = createHarness({ items: { policy: fieldMerge() } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 'A' }, { at: T + 10 })])
    const decision = h.push(connectionOf(b), [b.put('c1', { title: 'B' }, { at: T + 5 })])
    expect(decision.commits[0]?.conflict?.fields).toEqual(['title'])
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 'A' })
  })

  it('of a record holding only counters both stand under rejectConflicts, their increments added', () => {
    const h = createHarness({ items: { policy: rejectConflicts({ fields: { votes: counter() } }) } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', {}, { inc: { votes: 1 } })])
    const decision = h.push(connectionOf(b), [b.put('c1', {}, { inc: { votes: 2 } })])
    expect(decision.ack.rejected).toEqual([])
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', votes: 3 })
  })
})

describe('conflict table: rejectConflicts', () => {
  it('refuses the conflicting change with its whole transaction and records the conflict', () => {
    const h = createHarness({ items: { policy: rejectConflicts() } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' }), a.put('c2', { title: 'u0' })])
    h.push(connectionOf(b), [b.patch('c1', { title: 'B' }, { base: 1 })])
    const tx = a.transaction([
      { op: 'patch', key: 'c2', set: { title: 'u1' }, base: 2 },
      { op: 'put', key: 'c3', set: { id: 'c3', title: 'new' } },
      { op: 'patch', key: 'c1', set: { title: 'A' }, base: 1, prev: { title: 't0' } },
      { op: 'patch', key: 'c2', set: { body: 'never decided' }, base: 2 },
    ])
    const decision = h.push(connectionOf(a), tx)
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 'B' })
    expect(h.view.value('items', 'c2')).toEqual({ id: 'c2', title: 'u0' })
    expect(h.view.record('items', 'c3')).toBeUndefined()
    expect(decision.commits.map((c) => c.rejected)).toEqual(['conflict', 'conflict', 'conflict', 'conflict'])
    expect(decision.commits.every((c) => c.set === undefined && c.del === undefined)).toBe(true)
    expect(decision.commits.map((c) => c.conflict?.key)).toEqual([undefined, undefined, 'c1', undefined])
    expect(decision.commits[2]?.conflict).toMatchObject({ policy: 'rejectConflicts', rejected: true, fields: ['title'], code: 'conflict' })
    expect(decision.commits[2]?.conflict?.private).toBeUndefined()
    expect(decision.ack).toMatchObject({ through: { w1: 6 }, rejected: [{ writer: 'w1', tx: 3, code: 'conflict' }] })
    expect(decision.records).toEqual([])
  })

  it('judges a later independent transaction of the same writer on its own', () => {
    const h = createHarness({ items: { policy: rejectConflicts() } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' }), a.put('c2', { title: 'u0' })])
    h.push(connectionOf(b), [b.patch('c1', { title: 'B' }, { base: 1 })])
    const decision = h.push(connectionOf(a), [a.patch('c1', { title: 'A' }, { base: 1 }), a.patch('c2', { title: 'u1' }, { base: 2 })])
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 3, code: 'conflict' }])
    expect(h.view.value('items', 'c2')).toEqual({ id: 'c2', title: 'u1' })
  })

  it('lets non-overlapping concurrent changes through', () => {
    const h = createHarness({ items: { policy: rejectConflicts() } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 't0', body: 'b0' })])
    h.push(connectionOf(b), [b.patch('c1', { title: 'B' }, { base: 1 })])
    const decision = h.push(connectionOf(a), [a.patch('c1', { body: 'A' }, { base: 1 })])
    expect(decision.ack.rejected).toEqual([])
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 'B', body: 'A' })
  })
})

describe('conflict table: custom', () => {
  const concat: CustomMergeFn = ({ local, remote, fields }) =>
    Object.fromEntries(fields.map((f) => [f, `${String(remote?.[f])}+${String(local?.[f])}`]))

  it('passes base, local, remote, fields and meta (no wall clock) and writes the merged values with the hub’s HLC', () => {
    const seen: CustomMergeInput[] = []
    const merge: CustomMergeFn = (input) => {
      seen.push(structuredClone(input))
      return concat(input)
    }
    const { value, commit, h } = race({ policy: custom(merge) }, T + 20)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toEqual({
      base: { title: 't0' },
      local: { title: 'A', body: 'A-body' },
      remote: { id: 'c1', title: 'B', body: 'b0' },
      fields: ['title'],
      meta: { col: 'items', key: 'c1', localHlc: commit?.hlc['body'], remoteHlc: { title: expect.stringMatching(/-r2$/) as unknown }, replica: 'r1', writer: 'w1', tx: 2, op: 'patch' },
    })
    expect(value).toEqual({ id: 'c1', title: 'B+A', body: 'A-body' })
    expect(decodeHlc(commit?.hlc['title'] as string).node).toBe('hub')
    expect(h.view.record('items', 'c1')?.fields['title']?.w).toBeUndefined()
    expect(h.view.record('items', 'c1')?.fields['body']?.w).toBe('w1')
  })

  it('makes a merged value conflict with a later change from anyone who had not seen it', () => {
    const { h, b } = race({ policy: custom(concat) }, T + 20)
    const later = h.push(connectionOf(b), [b.patch('c1', { title: 'B2' }, { base: 2, prev: { title: 'B' } })])
    expect(later.commits[0]?.conflict?.fields).toEqual(['title'])
    expect(h.view.value('items', 'c1')?.['title']).toBe('B+A+B2')
  })

  it('refuses the whole transaction on reject', () => {
    const { value, commit, decision } = race({ policy: custom(() => reject) }, T + 20)
    expect(value).toEqual({ id: 'c1', title: 'B', body: 'b0' })
    expect(commit).toMatchObject({ rejected: 'conflict', conflict: { policy: 'custom', rejected: true, code: 'conflict' } })
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 2, code: 'conflict' }])
  })

  it('stores the merge’s values as JSON, as replicas will receive them', () => {
    const { value } = race({ policy: custom((() => ({ title: { at: new Date(0), n: Number.NaN } })) as unknown as CustomMergeFn) }, T + 20)
    expect(value?.['title']).toEqual({ at: '1970-01-01T00:00:00.000Z', n: null })
  })

  it('deletes the record on null', () => {
    const { h, commit } = race({ policy: custom(() => null) }, T + 20)
    expect(h.view.record('items', 'c1')?.deleted).toBe(true)
    expect(commit).toMatchObject({ del: true, conflict: { rejected: false, result: undefined } })
  })

  it('keeps the remote value of a conflicting field the merge leaves out, and removes one it sets to undefined', () => {
    const h = createHarness({ items: { policy: custom(() => ({ body: undefined })) } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 't0', body: 'b0' })])
    h.push(connectionOf(b), [b.patch('c1', { title: 'B', body: 'bB' }, { base: 1 })])
    const decision = h.push(connectionOf(a), [a.patch('c1', { title: 'A', body: 'bA' }, { base: 1 })])
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 'B' })
    expect(decision.commits[0]?.unset).toEqual(['body'])
  })

  it.each([
    ['throws', (() => { throw new Error('boom') }) as CustomMergeFn],
    ['returns an array', (() => ['x']) as unknown as CustomMergeFn],
    ['returns a number', (() => 7) as unknown as CustomMergeFn],
    ['returns a function as a value', (() => ({ title: () => 'x' })) as unknown as CustomMergeFn],
    ['returns a BigInt as a value', (() => ({ title: 10n })) as unknown as CustomMergeFn],
  ])('turns a merge that %s into a policy_error rejection of the whole transaction', (_name, merge) => {
    const { value, commit, decision } = race({ policy: custom(merge) }, T + 20)
    expect(value).toEqual({ id: 'c1', title: 'B', body: 'b0' })
    expect(commit).toMatchObject({ rejected: 'policy_error', conflict: { rejected: true, code: 'policy_error' } })
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 2, code: 'policy_error' }])
  })
})

describe('conflict table: manual', () => {
  it('applies one-sided fields, keeps the remote value of conflicting ones and opens a conflict', () => {
    const { value, commit, h } = race({ policy: manual() }, T + 20)
    expect(value).toEqual({ id: 'c1', title: 'B', body: 'A-body' })
    expect(commit?.conflict).toMatchObject({ id: 3, policy: 'manual', open: true, rejected: false, local: { title: 'A', body: 'A-body' } })
    expect(h.view.conflict(3)?.open).toBe(true)
  })

  it('closes the conflict with a change that resolves it, on top of any base, with the hub’s HLC', () => {
    const { h, a } = race({ policy: manual() }, T + 20)
    const decision = h.push(connectionOf(a), [a.patch('c1', { title: 'A and B' }, { base: 1, resolves: 3 })])
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 'A and B', body: 'A-body' })
    expect(decision.commits[0]).toMatchObject({ resolved: [3] })
    expect(decision.commits[0]?.conflict).toBeUndefined()
    expect(decision.closed).toEqual([{ id: 3, closedBy: 4 }])
    expect(h.view.conflict(3)?.closedBy).toBe(4)
    expect(h.view.record('items', 'c1')?.fields['title']?.w).toBeUndefined()
    // The resolved value has no verbatim writer: even the resolving writer, on an older base, conflicts with it.
    const again = h.push(connectionOf(a), [a.patch('c1', { title: 'A2' }, { base: 3 })])
    expect(again.commits[0]?.conflict).toMatchObject({ open: true, fields: ['title'] })
  })

  it('closes a conflict with an empty resolution (keep the hub’s values) without moving the version', () => {
    const { h, a } = race({ policy: manual() }, T + 20)
    const decision = h.push(connectionOf(a), [a.patch('c1', {}, { base: 3, resolves: 3 })])
    expect(decision.commits[0]).toMatchObject({ pv: 3, resolved: [3], hlc: {} })
    expect(decision.closed).toEqual([{ id: 3, closedBy: 4 }])
    expect(h.view.version('items', 'c1')).toBe(3)
    const next = h.push(connectionOf(a), [a.patch('c1', { body: 'again' }, { base: 3 })])
    expect(next.commits[0]).toMatchObject({ pv: 3 })
  })

  it('judges a change resolving an already-closed conflict by the policy', () => {
    const { h, a, b } = race({ policy: manual() }, T + 20)
    h.push(connectionOf(a), [a.patch('c1', { title: 'AB' }, { base: 1, resolves: 3 })])
    const second = h.push(connectionOf(b), [b.patch('c1', { title: 'BA' }, { base: 2, resolves: 3 })])
    expect(second.commits[0]?.resolved).toBeUndefined()
    expect(second.commits[0]?.conflict).toMatchObject({ open: true, fields: ['title'] })
    expect(h.view.value('items', 'c1')?.['title']).toBe('AB')
  })

  it('keeps the conflict open when the resolving transaction is rejected', () => {
    const { h, a } = race({ policy: manual() }, T + 20)
    const tx = a.transaction([
      { op: 'patch', key: 'c1', set: { title: 'AB' }, base: 1, resolves: 3 },
      { op: 'patch', key: 'ghost', set: { title: 'x' } },
    ])
    const decision = h.push(connectionOf(a), tx)
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 3, code: 'missing_record' }])
    expect(decision.closed).toEqual([])
    expect(decision.commits[0]?.resolved).toBeUndefined()
    expect(h.view.conflict(3)?.closedBy).toBeUndefined()
    expect(h.view.value('items', 'c1')?.['title']).toBe('B')
  })

  it('does not close a conflict of another record', () => {
    const { h, a } = race({ policy: manual() }, T + 20)
    h.push(connectionOf(a), [a.put('c9', { title: 'x' })])
    const decision = h.push(connectionOf(a), [a.patch('c9', { title: 'y' }, { base: 4, resolves: 3 })])
    expect(decision.closed).toEqual([])
    expect(h.view.conflict(3)?.closedBy).toBeUndefined()
  })
})

describe('a replica never conflicts with its own writers', () => {
  const policies: [string, CollectionDef][] = [
    ['rejectConflicts', { policy: rejectConflicts() }],
    ['manual', { policy: manual() }],
    ['custom', { policy: custom(() => reject) }],
  ]

  it.each(policies)('%s: two offline edits of one field in a row both stand', (_name, def) => {
    const h = createHarness({ items: def })
    const a = h.writer('r1', 'w1')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' })])
    const first = a.patch('c1', { title: 'one' }, { base: 1 })
    const second = a.patch('c1', { title: 'two' }, { base: 1, fieldBase: { title: 1 } })
    h.push(connectionOf(a), [first])
    const decision = h.push(connectionOf(a), [second])
    expect(decision.commits[0]?.conflict).toBeUndefined()
    expect(decision.ack.rejected).toEqual([])
    expect(h.view.value('items', 'c1')?.['title']).toBe('two')
  })

  it.each(policies)('%s: a delete and its undo both stand', (_name, def) => {
    const h = createHarness({ items: def })
    const a = h.writer('r1', 'w1')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' })])
    h.push(connectionOf(a), [a.del('c1', { base: 1 })])
    const decision = h.push(connectionOf(a), [a.put('c1', { title: 't0' }, { base: 1 })])
    expect(decision.commits[0]?.conflict).toBeUndefined()
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 't0' })
  })

  it.each(policies)('%s: edits by two writers of one connection (a leader handover) stand', (_name, def) => {
    const h = createHarness({ items: def })
    const old = h.writer('r1', 'w-old')
    const now = h.writer('r1', 'w-new')
    h.push(connectionOf(old), [old.put('c1', { title: 't0' })])
    h.push(connectionOf(old), [old.patch('c1', { title: 'one' }, { base: 1 })])
    const decision = h.push(connectionOf(now, old), [now.patch('c1', { title: 'two' }, { base: 1 })])
    expect(decision.commits[0]?.conflict).toBeUndefined()
    expect(h.view.value('items', 'c1')?.['title']).toBe('two')
  })

  it.each(policies)('%s: a cloned database (same replica id, other writers) does conflict', (_name, def) => {
    const h = createHarness({ items: def })
    const a = h.writer('r1', 'w1')
    const clone = h.writer('r1', 'w1-clone')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' })])
    h.push(connectionOf(a), [a.patch('c1', { title: 'original' }, { base: 1 })])
    const decision = h.push(connectionOf(clone), [clone.patch('c1', { title: 'clone' }, { base: 1 })])
    expect(decision.commits[0]?.conflict?.fields).toEqual(['title'])
    expect(h.view.value('items', 'c1')?.['title']).toBe('original')
  })

  it('an own earlier value does not shield a field another replica wrote since', () => {
    const h = createHarness({ items: { policy: rejectConflicts() } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' })])
    h.push(connectionOf(a), [a.patch('c1', { title: 'one' }, { base: 1 })])
    h.push(connectionOf(b), [b.patch('c1', { title: 'B' }, { base: 2 })])
    const decision = h.push(connectionOf(a), [a.patch('c1', { title: 'two' }, { base: 1, fieldBase: { title: 1 } })])
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 3, code: 'conflict' }])
  })
})
