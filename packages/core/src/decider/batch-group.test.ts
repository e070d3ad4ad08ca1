import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { counter, custom, fieldMerge, manual, reject, rejectConflicts, set } from '@accord/core'
import type { BatchDecision, Change, CollectionDef, ConflictRecord, CustomMergeFn, DecideBatchResult } from '@accord/core'
import { DecisionOverlay, mergeDecisions } from '@accord/core/internal'
import { connectionOf, createHarness, type ChangeSpec, type TestConnection, type TestWriter } from '../../test/helpers.js'

const FIELDS = { votes: counter(), tags: set() }
const merge: CustomMergeFn = ({ local, remote }) => (local === undefined ? null : local['a'] === 0 ? reject : { a: remote?.['a'] ?? null })
const POLICIES: [string, CollectionDef][] = [
  ['fieldMerge', { policy: fieldMerge({ fields: FIELDS }) }],
  ['rejectConflicts', { policy: rejectConflicts({ fields: FIELDS }) }],
  ['manual', { policy: manual({ fields: FIELDS }) }],
  ['custom', { policy: custom(merge, { fields: FIELDS }) }],
]

interface Step {
  replica: number
  /** Changes of the push, as specs; `tx` splits them into local transactions. */
  specs: { kind: 'put' | 'patch' | 'delete' | 'inc' | 'tags' | 'resolve'; key: string; a: number; base: number; newTx: boolean }[]
  /** Send the replica's previous push again instead (already settled: acknowledged, never re-applied). */
  again: boolean
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  replica: fc.integer({ min: 0, max: 3 }),
  specs: fc.array(
    fc.record({
      // Resolutions are frequent, so that some meet a conflict their own group opened or closed.
      kind: fc.constantFrom('put', 'patch', 'delete', 'inc', 'tags', 'resolve', 'resolve'),
      key: fc.constantFrom('k1', 'k2'),
      a: fc.integer({ min: 0, max: 4 }),
      base: fc.integer({ min: 0, max: 12 }),
      newTx: fc.boolean(),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  again: fc.boolean(),
})

function specOf(s: Step['specs'][number], conflicts: { open: ConflictRecord | undefined; closed: ConflictRecord | undefined }): ChangeSpec {
  const common = { key: s.key, base: s.base }
  switch (s.kind) {
    case 'put':
      return { ...common, op: 'put', set: { id: s.key, a: s.a }, prev: { a: s.a + 1 } }
    case 'patch':
      return { ...common, op: 'patch', set: { a: s.a }, prev: { a: s.a + 1 } }
    case 'delete':
      return { ...common, op: 'delete' }
    case 'inc':
      return { ...common, op: 'patch', inc: { votes: s.a - 2 } }
    case 'tags':
      return { ...common, op: 'patch', ...(s.a % 2 ? { add: { tags: [`t${s.a}`] } } : { remove: { tags: ['t1'] } }) }
    case 'resolve': {
      // Resolving a closed conflict is an ordinary change; the overlay must show it closed.
      const target = s.a % 2 ? conflicts.open : conflicts.closed
      return { ...common, op: 'patch', set: { a: s.a }, key: target?.key ?? s.key, resolves: target?.id ?? s.base + 1 }
    }
  }
}

type Push = { connection: TestConnection; changes: Change[] }

/**
 * Decides the pushes one at a time, each written before the next is decided, building them on the
 * way: a `resolve` names the latest conflict left open so far, or the latest one closed, so that,
 * grouped, some resolve a conflict opened or closed by an earlier batch of their own group.
 */
function oneByOne(def: CollectionDef, steps: readonly Step[]) {
  const h = createHarness({ items: def })
  const first = h.writer('r0', 'w0')
  const writers: { writer: TestWriter; connection: TestConnection }[] = [
    { writer: first, connection: connectionOf(first) },
    { writer: h.writer('r1', 'w1'), connection: connectionOf(h.writer('r1', 'w1')) },
    // A clone of r0's database: same replica, another writer, its own connection.
    { writer: h.writer('r0', 'w0-clone'), connection: connectionOf(h.writer('r0', 'w0-clone')) },
    { writer: h.writer('r2', 'w2'), connection: connectionOf(h.writer('r2', 'w2')) },
  ]
  const last = new Map<number, Change[]>()
  const pushes: Push[] = []
  const results: DecideBatchResult[] = []
  for (const step of steps) {
    const { writer, connection } = writers[step.replica] as (typeof writers)[number]
    const all = [...h.view.conflicts.values()]
    const conflicts = { open: all.filter((c) => c.open && c.closedBy === undefined).pop(), closed: all.filter((c) => c.closedBy !== undefined).pop() }
    let changes = last.get(step.replica)
    if (!step.again || !changes) {
      const groups: ChangeSpec[][] = []
      for (const s of step.specs) {
        if (s.newTx || groups.length === 0) groups.push([])
        groups[groups.length - 1]?.push(specOf(s, conflicts))
      }
      changes = groups.flatMap((specs) => writer.transaction(specs))
      last.set(step.replica, changes)
    }
    pushes.push({ connection, changes })
    const result = h.decide(connection, changes)
    results.push(result)
    if (result.ok && result.decision.commits.length > 0) h.view.apply(result.decision)
  }
  return { pushes, results, view: h.view }
}

/** Decides the pushes in groups on an overlay, each group written as one merged decision. */
function grouped(def: CollectionDef, pushes: readonly Push[], sizes: readonly number[]) {
  const h = createHarness({ items: def })
  const results: DecideBatchResult[] = []
  let at = 0
  for (let g = 0; at < pushes.length; g++) {
    const group = pushes.slice(at, at + (sizes[g % sizes.length] ?? 1))
    at += group.length
    const overlay = new DecisionOverlay(h.view)
    const written: BatchDecision[] = []
    for (const { connection, changes } of group) {
      const result = h.decide(connection, changes, { view: overlay })
      results.push(result)
      if (result.ok && result.decision.commits.length > 0) {
        overlay.add(result.decision)
        written.push(result.decision)
      }
    }
    if (written.length) h.view.apply(mergeDecisions(written))
    expect(h.view.head).toBe(overlay.head)
  }
  return { results, view: h.view }
}

const runs = { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 150) }

describe.each(POLICIES)('group commit, policy %s', (_name, def) => {
  it('decides a group exactly as one batch at a time, and leaves the same state', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 14 }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }), (steps, sizes) => {
        const a = oneByOne(def, steps)
        const b = grouped(def, a.pushes, sizes)
        expect(JSON.stringify(b.results)).toBe(JSON.stringify(a.results))
        expect(b.view.head).toBe(a.view.head)
        expect([...b.view.records]).toEqual([...a.view.records])
        expect([...b.view.writers]).toEqual([...a.view.writers])
        expect([...b.view.conflicts]).toEqual([...a.view.conflicts])
      }),
      runs,
    )
  })
})

describe('group commit of manual conflicts', () => {
  const step = (replica: number, kind: Step['specs'][number]['kind'], a: number, base: number): Step => ({ replica, again: false, specs: [{ kind, key: 'k1', a, base, newTx: true }] })
  // r0 creates k1 (seq 1); r1, on base 0, writes it too: a manual conflict opens (seq 2); r0
  // resolves it (seq 3); r1 resolves it again, which is now an ordinary change (seq 4).
  const steps = [step(0, 'put', 1, 0), step(1, 'patch', 2, 0), step(0, 'resolve', 1, 1), step(1, 'resolve', 2, 1)]
  const def: CollectionDef = { policy: manual() }

  it.each([
    ['opened and resolved in one group', [1, 3]],
    ['resolved, then resolved again, in one group', [2, 2]],
    ['all in one group', [4]],
  ])('decides %s as one batch at a time', (_name, sizes) => {
    const a = oneByOne(def, steps)
    const closed = [...a.view.conflicts.values()].filter((c) => c.closedBy !== undefined)
    expect(closed.map((c) => [c.id, c.closedBy])).toEqual([[2, 3]])
    expect(a.results.map((r) => r.ok && r.decision.commits[0]?.resolved)).toEqual([undefined, undefined, [2], undefined])
    const b = grouped(def, a.pushes, sizes)
    expect(JSON.stringify(b.results)).toBe(JSON.stringify(a.results))
    expect([...b.view.conflicts]).toEqual([...a.view.conflicts])
  })
})

describe('mergeDecisions', () => {
  it('refuses decisions that do not follow each other', () => {
    const h = createHarness({ items: { policy: fieldMerge() } })
    const w = h.writer('r1', 'w1')
    const v = h.writer('r2', 'w2')
    // Both made on head 0: the second was not decided on the first.
    const a = h.decide(connectionOf(w), [w.put('k', { a: 1 })])
    const b = h.decide(connectionOf(v), [v.put('j', { a: 1 })])
    if (!a.ok || !b.ok) throw new Error('refused')
    expect(() => mergeDecisions([a.decision, b.decision])).toThrow(/does not follow/)
    expect(() => new DecisionOverlay(h.view).add({ ...b.decision, head: 5 })).toThrow(/laid over/)
    expect(() => mergeDecisions([])).toThrow()
  })
})
