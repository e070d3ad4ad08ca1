import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { canonicalJson, counter, custom, fieldMerge, lastWriterWins, manual, reject, rejectConflicts, set } from '@accord/core'
import type { BatchDecision, Change, CollectionDef, Commit, CustomMergeFn, JsonValue, RecordValue } from '@accord/core'
import { applyIncrement, applySetDelta } from '@accord/core/internal'
import { connectionOf, createHarness, type ChangeSpec, type TestConnection, type TestWriter } from '../../test/helpers.js'

const T = 1_000_000
const FIELDS = { votes: counter(), tags: set() }

/** A deterministic merge that uses every answer: null, values, a partial answer and reject. */
const merge: CustomMergeFn = ({ local, remote, fields }) => {
  if (local === undefined) return typeof remote?.['a'] === 'number' && remote['a'] % 2 === 0 ? null : {}
  if (local['a'] === 0) return reject
  return Object.fromEntries(fields.map((f) => [f, canonicalJson(local[f]) > canonicalJson(remote?.[f]) ? local[f] : remote?.[f]]))
}

const POLICIES: [string, CollectionDef][] = [
  ['fieldMerge', { policy: fieldMerge({ fields: FIELDS }) }],
  ['lastWriterWins', { policy: lastWriterWins({ fields: FIELDS }) }],
  ['rejectConflicts', { policy: rejectConflicts({ fields: FIELDS }) }],
  ['custom', { policy: custom(merge, { fields: FIELDS }) }],
  ['manual', { policy: manual({ fields: FIELDS }) }],
]

interface Op {
  replica: number
  kind: 'put' | 'patch' | 'delete' | 'inc' | 'tags'
  key: string
  a: number
  b: number | undefined
  elem: string
  /** Whether this op ends a local transaction. */
  end: boolean
  /** Whether the replica pushes its outbox after this op. */
  push: boolean
  /** Whether the replica catches up with the hub after pushing (so later bases are current). */
  sync: boolean
  /** Clock skew of the write, ms. */
  skew: number
}

const opArb: fc.Arbitrary<Op> = fc.record({
  replica: fc.integer({ min: 0, max: 4 }),
  kind: fc.constantFrom('put', 'patch', 'delete', 'inc', 'tags'),
  key: fc.constantFrom('k1', 'k2'),
  a: fc.integer({ min: 0, max: 5 }),
  b: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  elem: fc.constantFrom('x', 'y', 'z'),
  end: fc.boolean(),
  push: fc.boolean(),
  sync: fc.boolean(),
  skew: fc.integer({ min: -50, max: 50 }),
})

function specOf(op: Op, base: number): ChangeSpec {
  const common = { key: op.key, base, at: T + op.skew }
  switch (op.kind) {
    case 'put':
      return { ...common, op: 'put', set: op.b === undefined ? { id: op.key, a: op.a } : { id: op.key, a: op.a, b: op.b }, ...(op.b === undefined ? { unset: ['b'] } : {}), prev: { a: op.a - 1 } }
    case 'patch':
      return { ...common, op: 'patch', set: op.b === undefined ? { a: op.a } : { b: op.b }, prev: { a: op.a + 1 } }
    case 'delete':
      return { ...common, op: 'delete' }
    case 'inc':
      return { ...common, op: 'patch', inc: { votes: op.a - 2 } }
    case 'tags':
      return { ...common, op: 'patch', ...(op.a % 2 === 0 ? { add: { tags: [op.elem] } } : { remove: { tags: [op.elem] } }) }
  }
}

/** A replica as the scenario models it: one writer, an outbox, and the versions it has confirmed. */
interface ModelReplica {
  writer: TestWriter
  /** The writers its connection holds. */
  connection: TestConnection
  outbox: Change[]
  openTx: ChangeSpec[]
  known: Map<string, number>
}

/**
 * Plays ops against a fresh hub: replicas write (grouped into transactions), push their outbox and
 * sometimes catch up. `onPush` sees each batch with its decision, before the next one.
 */
function play(def: CollectionDef, ops: readonly Op[], onPush?: (h: ReturnType<typeof createHarness>, batch: Change[], decision: BatchDecision, replica: ModelReplica) => void) {
  const h = createHarness({ items: def })
  const model = (writer: TestWriter, connection = connectionOf(writer)): ModelReplica => ({ writer, connection, outbox: [], openTx: [], known: new Map() })
  const first = h.writer('r0', 'w0')
  const successor = h.writer('r0', 'w0-next')
  const replicas = [
    model(first),
    model(h.writer('r1', 'w1')),
    model(h.writer('r2', 'w2')),
    // A cloned database of r0 (same replica id, its own writer and connection): it does conflict with r0.
    model(h.writer('r0', 'w0-clone')),
    // r0 reopened: a new writer on a connection that also holds the first one (a leader handover).
    model(successor, connectionOf(successor, first)),
  ]
  const decisions: BatchDecision[] = []
  const pushOutbox = (replica: ModelReplica, sync: boolean) => {
    if (replica.openTx.length) replica.outbox.push(...replica.writer.transaction(replica.openTx.splice(0)))
    if (replica.outbox.length) {
      const batch = replica.outbox.splice(0)
      const decision = h.push(replica.connection, batch)
      decisions.push(decision)
      onPush?.(h, batch, decision, replica)
    }
    if (sync) for (const key of ['k1', 'k2']) replica.known.set(key, h.view.version('items', key))
  }
  for (const op of ops) {
    const replica = replicas[op.replica] as ModelReplica
    replica.openTx.push(specOf(op, replica.known.get(op.key) ?? 0))
    if (op.end) replica.outbox.push(...replica.writer.transaction(replica.openTx.splice(0)))
    if (op.push) pushOutbox(replica, op.sync)
  }
  for (const replica of replicas) pushOutbox(replica, true)
  return { h, decisions }
}

/**
 * What a replica does with the commit stream: apply each body to its copy, in seq order, checking
 * that each commit's `pv` is the version the replica holds (DESIGN §3 rule 5).
 */
function replayCommits(commits: readonly Commit[]): Map<string, RecordValue> {
  const records = new Map<string, RecordValue>()
  const versions = new Map<string, number>()
  for (const commit of commits) {
    const current = records.get(commit.key)
    if (commit.pv !== (versions.get(commit.key) ?? 0)) throw new Error(`commit ${commit.seq}: pv ${commit.pv}, replica holds ${versions.get(commit.key) ?? 0}`)
    if (commit.rejected && (commit.set || commit.unset || commit.del)) throw new Error(`rejected commit ${commit.seq} carries a body`)
    if (commit.set || commit.unset || commit.del) versions.set(commit.key, commit.seq)
    if (commit.del) records.delete(commit.key)
    else if (commit.set || commit.unset) {
      const next: RecordValue = { ...(current ?? {}), ...(commit.set ?? {}) }
      for (const f of commit.unset ?? []) delete next[f]
      records.set(commit.key, next)
    }
  }
  return records
}

// PROPERTY_RUNS raises the count for a deeper local search; a failure prints its seed and path for replay.
const runs = { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 150) }

describe.each(POLICIES)('policy %s', (_name, def) => {
  it('decides deterministically: the same inputs give the same decisions', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => {
        expect(JSON.stringify(play(def, ops).decisions)).toBe(JSON.stringify(play(def, ops).decisions))
      }),
      runs,
    )
  })

  it('is idempotent under duplicate batches: no new commits, the same through', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => {
        play(def, ops, (h, batch, decision, replica) => {
          const again = h.decide(replica.connection, batch)
          expect(again.ok).toBe(true)
          if (!again.ok) return
          expect(again.decision.commits).toEqual([])
          expect(again.decision.records).toEqual([])
          expect(again.decision.conflicts).toEqual([])
          expect(again.decision.ack).toEqual({ through: decision.ack.through, seq: h.view.head, rejected: [] })
        })
      }),
      runs,
    )
  })

  it('replicas replaying the commit stream end equal to the hub', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => {
        const { h, decisions } = play(def, ops)
        const replayed = replayCommits(decisions.flatMap((d) => d.commits))
        for (const key of ['k1', 'k2']) expect(replayed.get(key)).toEqual(h.view.value('items', key))
      }),
      runs,
    )
  })

  it('never lets a replica conflict with its own earlier changes, whatever bases it sends', () => {
    fc.assert(
      fc.property(fc.array(opArb.map((op) => ({ ...op, replica: 0 })), { minLength: 1, maxLength: 30 }), (ops) => {
        const { decisions } = play(def, ops)
        expect(decisions.flatMap((d) => d.conflicts)).toEqual(decisions.flatMap((d) => d.conflicts).filter((c) => c.code === 'missing_record'))
      }),
      runs,
    )
  })

  it('adds increments the same whatever their order, never conflicting nor rejecting', () => {
    const deltas = fc.array(fc.record({ replica: fc.integer({ min: 0, max: 2 }), delta: fc.integer({ min: -1000, max: 1000 }), base: fc.constantFrom(0, 1) }), { maxLength: 20 })
    fc.assert(
      fc.property(deltas.chain((ds) => fc.tuple(fc.constant(ds), fc.shuffledSubarray(ds, { minLength: ds.length, maxLength: ds.length }))), ([inOrder, shuffled]) => {
        const total = (list: typeof inOrder) => {
          const h = createHarness({ items: def })
          const writers = [0, 1, 2].map((i) => h.writer(`r${i}`, `w${i}`))
          h.push(connectionOf(writers[0] as TestWriter), [(writers[0] as TestWriter).put('c', { a: 1 })])
          for (const { replica, delta, base } of list) {
            const w = writers[replica] as TestWriter
            const decision = h.push(connectionOf(w), [w.change({ op: 'patch', key: 'c', base, inc: { votes: delta } })])
            expect(decision.ack.rejected).toEqual([])
            expect(decision.conflicts).toEqual([])
          }
          return h.view.value('items', 'c')?.['votes']
        }
        const sum = inOrder.reduce((acc, d) => acc + d.delta, 0)
        expect(total(inOrder)).toBe(sum)
        expect(total(shuffled)).toBe(sum)
        expect(shuffled.reduce((acc: number, d) => applyIncrement(acc, d.delta), 0)).toBe(sum)
      }),
      runs,
    )
  })

  it('settles set add/remove races by hub order, and every replica converges on it', () => {
    const setOp = fc.record({ add: fc.boolean(), elem: fc.constantFrom<JsonValue>('a', 'b', 'c', { k: 1 }, [1]) })
    const scenario = fc.tuple(fc.array(fc.array(setOp, { maxLength: 6 }), { minLength: 3, maxLength: 3 }), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 30 }))
    fc.assert(
      fc.property(scenario, ([perReplica, picks]) => {
        const h = createHarness({ items: def })
        const writers = [0, 1, 2].map((i) => h.writer(`r${i}`, `w${i}`))
        const commits: Commit[] = h.push(connectionOf(writers[0] as TestWriter), [(writers[0] as TestWriter).put('c', {})]).commits
        // The hub's order: an interleaving that keeps each replica's own order.
        const queues = perReplica.map((ops) => ops.slice())
        const hubOrder: { add: boolean; elem: JsonValue }[] = []
        const order = [...picks, ...perReplica.flatMap((ops, i) => ops.map(() => i))]
        for (const pick of order) {
          const op = queues[pick]?.shift()
          if (!op) continue
          const w = writers[pick] as TestWriter
          const delta = op.add ? { add: { tags: [op.elem] } } : { remove: { tags: [op.elem] } }
          commits.push(...h.push(connectionOf(w), [w.change({ op: 'patch', key: 'c', base: 1, ...delta })]).commits)
          hubOrder.push(op)
        }
        const hub = h.view.value('items', 'c')?.['tags'] as JsonValue[]
        // Each element is present iff its last operation in hub order was an add; no duplicates.
        const last = new Map(hubOrder.map((op) => [canonicalJson(op.elem), op.add]))
        expect(new Set(hub.map(canonicalJson)).size).toBe(hub.length)
        expect(hub.map(canonicalJson).sort()).toEqual([...last].filter(([, added]) => added).map(([k]) => k).sort())
        // A replica replaying the deltas in hub order, and one applying the commits, both reach the hub.
        expect(hubOrder.reduce<JsonValue[]>((acc, op) => applySetDelta(acc, op.add ? [op.elem] : [], op.add ? [] : [op.elem]), [])).toEqual(hub)
        expect(replayCommits(commits).get('c')?.['tags'] ?? []).toEqual(hub)
      }),
      runs,
    )
  })
})
