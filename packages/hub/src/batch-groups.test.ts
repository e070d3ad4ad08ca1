import { HlcClock, type BatchDecision, type Change, type HubStore } from '@accord/core'
import { withoutPrev } from '@accord/core/internal'
import { afterEach, describe, expect, it } from 'vitest'
import { BatchGroups } from './batch-groups.js'
import type { BatchJob, BatchOutcome } from './batch-runner.js'
import { silentLogger } from './logger.js'
import { KeyedSerialQueue } from './serial-queue.js'
import { sqliteStore } from './sqlite-store.js'
import { TestWriter, contractSchema, dump } from './testing/contract-kit.js'

/** A store that logs its writes and can be told to refuse or fail the next ones, or to hold them. */
function instrumented(store: HubStore) {
  const log: string[] = []
  const faults: Array<'moved' | 'throw'> = []
  let gate: Promise<void> = Promise.resolve()
  let entered: () => void = () => undefined
  const commitBatch = async (space: string, decision: BatchDecision): Promise<boolean> => {
    entered()
    await gate
    const fault = faults.shift()
    log.push(`${fault ?? 'commit'} ${decision.commits.map((c) => c.seq).join(',')}`)
    if (fault === 'moved') return false
    if (fault === 'throw') throw new Error('disk full')
    return store.commitBatch(space, decision)
  }
  const wrapped = new Proxy(store, {
    get: (target, prop, receiver) => (prop === 'commitBatch' ? commitBatch : (Reflect.get(target, prop, receiver) as unknown)),
  })
  return {
    store: wrapped,
    log,
    faults,
    /** Holds the next writes until `release`; `writing` resolves once one has started. */
    hold: (): { writing: Promise<void>; release: () => void } => {
      let release: () => void = () => undefined
      gate = new Promise<void>((resolve) => (release = resolve))
      const writing = new Promise<void>((resolve) => (entered = resolve))
      return { writing, release }
    },
  }
}

const stores: HubStore[] = []
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
})

function setup(maxChanges = 1000) {
  const base = sqliteStore(':memory:')
  stores.push(base)
  const s = instrumented(base)
  const clock = new HlcClock({ node: 'hub', now: () => 1_700_000_000_000 })
  const groups = new BatchGroups({ schema: contractSchema, store: s.store, clock, limits: { recordBytes: 100_000 }, authorize: undefined, logger: silentLogger }, new KeyedSerialQueue(), maxChanges)
  const events: string[] = []
  const push = (changes: Change[], name: string): Promise<BatchOutcome> => {
    const replica = changes[0]?.replica ?? 'nobody'
    const job: BatchJob = { space: 's1', changes, connection: { replica, writers: new Set(changes.map((c) => c.writer)) }, principal: 'p' }
    const done = groups.run(job, (decision) => events.push(`broadcast ${name} ${decision.commits.map((c) => c.seq).join(',')}`))
    void done.then((outcome) => events.push(`ack ${name} ${outcome.ok ? outcome.decision.ack.seq : outcome.error.code}`), () => events.push(`failed ${name}`))
    return done
  }
  return { ...s, base, groups, push, events }
}

const ok = (outcome: BatchOutcome): BatchDecision => {
  if (!outcome.ok) throw new Error(`refused: ${outcome.error.code}`)
  return outcome.decision
}

describe('BatchGroups', () => {
  it('writes the pushes waiting for a space in one store write, broadcasts in seq order, then acks each', async () => {
    const h = setup()
    const [a, b, c] = [new TestWriter('r1'), new TestWriter('r2'), new TestWriter('r3')]
    const outcomes = await Promise.all([
      h.push([a.put('items', 'x', { id: 'x', title: 'a' })], 'A'),
      h.push([b.put('items', 'y', { id: 'y' }), b.put('items', 'x', { id: 'x', title: 'b' })], 'B'),
      h.push([c.patch('items', 'x', { title: 'c' }, 3)], 'C'),
    ])
    expect(h.log).toEqual(['commit 1,2,3,4'])
    expect(h.events).toEqual(['broadcast A 1', 'broadcast B 2,3', 'broadcast C 4', 'ack A 1', 'ack B 3', 'ack C 4'])
    expect(outcomes.map((o) => ok(o).ack.through)).toEqual([{ [a.writer]: 1 }, { [b.writer]: 2 }, { [c.writer]: 1 }])
    // B's put of x was decided on A's: pv is the version A left.
    expect(ok(outcomes[1] as BatchOutcome).commits.map((commit) => commit.pv)).toEqual([0, 1])
    const snapshot = await h.base.readForDecision('s1', { records: [{ col: 'items', key: 'x' }], writers: [a.writer, b.writer, c.writer], conflicts: [] })
    expect(snapshot.head).toBe(4)
    expect(snapshot.records[0]?.value).toEqual({ id: 'x', title: 'c', hits: 0 })
    expect(snapshot.writers.map((w) => w.watermark)).toEqual([1, 2, 1])
  })

  it('acknowledges nothing before the write is durable', async () => {
    const h = setup()
    const { writing, release } = h.hold()
    const [a, b] = [new TestWriter('r1'), new TestWriter('r2')]
    const done = Promise.all([h.push([a.put('items', 'x', { id: 'x' })], 'A'), h.push([b.put('items', 'y', { id: 'y' })], 'B')])
    await writing
    expect(h.events).toEqual([])
    release()
    await done
    expect(h.events).toEqual(['broadcast A 1', 'broadcast B 2', 'ack A 1', 'ack B 2'])
  })

  it('settles a push that fails (out of order) alone, and the others of its group', async () => {
    const h = setup()
    const [a, b] = [new TestWriter('r1'), new TestWriter('r2')]
    a.put('items', 'skipped', { id: 'skipped' })
    const outcomes = await Promise.all([h.push([b.put('items', 'y', { id: 'y' })], 'B1'), h.push([a.put('items', 'x', { id: 'x' })], 'A'), h.push([b.put('items', 'z', { id: 'z' })], 'B2')])
    expect(outcomes.map((o) => (o.ok ? o.decision.ack.seq : o.error.code))).toEqual([1, 'out_of_order', 2])
    expect(h.log).toEqual(['commit 1,2'])
  })

  it('decides the whole group again when the space moved under it', async () => {
    const h = setup()
    h.faults.push('moved')
    const [a, b] = [new TestWriter('r1'), new TestWriter('r2')]
    await Promise.all([h.push([a.put('items', 'x', { id: 'x' })], 'A'), h.push([b.put('items', 'y', { id: 'y' })], 'B')])
    expect(h.log).toEqual(['moved 1,2', 'commit 1,2'])
    expect(h.events).toEqual(['broadcast A 1', 'broadcast B 2', 'ack A 1', 'ack B 2'])
  })

  it('settles each push on its own when the shared write fails', async () => {
    const h = setup()
    h.faults.push('throw')
    const [a, b] = [new TestWriter('r1'), new TestWriter('r2')]
    await Promise.all([h.push([a.put('items', 'x', { id: 'x' })], 'A'), h.push([b.put('items', 'y', { id: 'y' })], 'B')])
    expect(h.log).toEqual(['throw 1,2', 'commit 1', 'commit 2'])
    expect(h.events).toEqual(['broadcast A 1', 'broadcast B 2', 'ack A 1', 'ack B 2'])
  })

  it('fails only the push whose own write fails', async () => {
    const h = setup()
    h.faults.push('throw', 'throw')
    const [a, b] = [new TestWriter('r1'), new TestWriter('r2')]
    const results = await Promise.allSettled([h.push([a.put('items', 'x', { id: 'x' })], 'A'), h.push([b.put('items', 'y', { id: 'y' })], 'B')])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled'])
    expect(h.log).toEqual(['throw 1,2', 'throw 1', 'commit 1'])
    expect(h.events).toEqual(['broadcast B 1', 'failed A', 'ack B 1'])
  })

  it('refuses a push that needs prev without a trace, and decides the rest of its group as if it came later', async () => {
    const h = setup()
    const [a, b, c, d] = [new TestWriter('r1'), new TestWriter('r2'), new TestWriter('r3'), new TestWriter('r4')]
    ok(await h.push([a.put('items', 'x', { id: 'x', title: 'a' })], 'A'))
    // B edits x; C, also on version 1, edits it without prev (it expects no conflict); D, who saw
    // B's edit (base 2), edits it after them. All three wait for one turn.
    const cLean = withoutPrev(c.patch('items', 'x', { title: 'c' }, 1, { prev: { title: 'a' } }))
    const outcomes = await Promise.all([
      h.push([b.patch('items', 'x', { title: 'b' }, 1, { prev: { title: 'a' } })], 'B'),
      h.push([cLean], 'C'),
      h.push([d.patch('items', 'x', { title: 'd' }, 2, { prev: { title: 'b' } })], 'D'),
    ])
    expect(outcomes.map((o) => (o.ok ? o.decision.ack.seq : o.error.code))).toEqual([2, 'prev_required', 3])
    expect(outcomes[1]).toMatchObject({ error: { details: { writer: c.writer, n: 1 } } })
    // D was decided on B's edit alone: no conflict (C's would have been one), pv = B's version.
    expect(ok(outcomes[2] as BatchOutcome).commits.map((x) => [x.seq, x.pv, x.conflict])).toEqual([[3, 2, undefined]])
    expect(h.log).toEqual(['commit 1', 'commit 2,3'])
    expect(h.events.filter((e) => e.includes(' C'))).toEqual(['ack C prev_required'])
    const stored = await h.base.readForDecision('s1', { records: [{ col: 'items', key: 'x' }], writers: [c.writer], conflicts: [] })
    expect(stored.head).toBe(3)
    expect(stored.records[0]?.value).toEqual({ id: 'x', title: 'd', hits: 0 })
    expect(stored.writers).toEqual([])

    // The same push again, with prev: it conflicts with D's edit, its prev as the base.
    const again = ok(await h.push([{ ...cLean, prev: { title: 'a' } }], 'C again'))
    expect(again.commits[0]?.conflict).toMatchObject({ fields: ['title'], base: { title: 'a' }, remote: { title: 'd' } })
  })

  it.each([
    { write: 'one shared write', faults: [] as Array<'throw'>, log: ['commit 1,2'] },
    { write: 'a failed shared write, then one each', faults: ['throw'] as Array<'throw'>, log: ['throw 1,2', 'commit 1', 'commit 2'] },
  ])("judges a push with the writers its connection's earlier push in the group first used ($write)", async ({ faults, log }) => {
    const h = setup()
    h.faults.push(...faults)
    const declared = new TestWriter('r1', 'r1-w1')
    const firstUsed = new TestWriter('r1', 'r1-w2')
    // One connection, as the push handler hands it over: its live writer Set, shared by its pushes.
    const connection = { replica: 'r1', writers: new Set([declared.writer]) }
    const run = (changes: Change[]): Promise<BatchOutcome> => h.groups.run({ space: 's1', changes, connection, principal: 'p' }, () => undefined)
    // The second push is sent before the first is acknowledged: it still has base 0 for x.
    const [first, second] = await Promise.all([run([firstUsed.put('notes', 'x', { title: 'a' })]), run([declared.patch('notes', 'x', { title: 'b' }, 0)])])
    expect(h.log).toEqual(log)
    expect(ok(first).commits).toHaveLength(1)
    // x's last commit is the connection's own (DESIGN §3 rule 3): no manual() conflict, the patch applies.
    expect(ok(second).commits[0]).toMatchObject({ seq: 2, set: { title: 'b' } })
    expect(ok(second).commits[0]?.conflict).toBeUndefined()
  })

  it('keeps a group within maxChanges; the rest go first in the next one', async () => {
    const h = setup(3)
    const [a, b, c] = [new TestWriter('r1'), new TestWriter('r2'), new TestWriter('r3')]
    await Promise.all([
      h.push([a.put('items', 'a1', { id: 'a1' }), a.put('items', 'a2', { id: 'a2' })], 'A'),
      h.push([b.put('items', 'b1', { id: 'b1' })], 'B'),
      h.push([c.put('items', 'c1', { id: 'c1' }), c.put('items', 'c2', { id: 'c2' })], 'C'),
    ])
    expect(h.log).toEqual(['commit 1,2,3', 'commit 4,5'])
    expect(await dump(h.base, 's1')).toMatchObject({ info: { head: 5 } })
  })
})
