import type { Change, Commit } from '@accord/core'
import { applyCommits, type ReplicaState, type ReplicaTx } from '@accord/core/internal'
import { describe, expect, it } from 'vitest'
import { MemoryReplicaStore } from './memory-replica-store.js'
import { simSchema } from './sim-schema.js'

const OWN = 'writer-own'
const OTHER = 'writer-other'
const HLC = '0000000000001-0000-replica-a'

/** A replica whose writer OWN has one pending change: +1 vote on cards/k1 (confirmed at 0 votes). */
function replicaWithPendingVote(): MemoryReplicaStore {
  const state: ReplicaState = { replicaId: 'replica-a', writer: OWN, writers: { [OWN]: { nextN: 2, nextTx: 2 } }, nextOrd: 2, cursor: 0, clockOffset: 0, syncedCols: ['cards'], schemaVersion: simSchema.version }
  const store = new MemoryReplicaStore(state)
  const pending: Change = { writer: OWN, n: 1, replica: 'replica-a', tx: 1, txEnd: true, col: 'cards', key: 'k1', hlc: HLC, op: 'patch', ord: 1, inc: { votes: 1 }, base: 0 }
  store.data.outbox.set(`${OWN}\u0000${String(1).padStart(12, '0')}`, pending)
  store.data.visible.set('cards\u0000k1', { id: 'k1', votes: 1 })
  store.data.confirmed.set('cards\u0000k1', { value: undefined })
  return store
}

/** Runs applyCommits, counting the outbox reads by writer it makes. */
async function apply(store: MemoryReplicaStore, commits: Commit[]): Promise<{ outboxReads: number }> {
  let outboxReads = 0
  await store.transaction(async (tx) => {
    const counted: ReplicaTx = Object.assign(Object.create(tx) as ReplicaTx, {
      outboxThrough: (writer: string, through: number) => {
        outboxReads += 1
        return tx.outboxThrough(writer, through)
      },
    })
    await applyCommits(counted, simSchema, commits)
  })
  return { outboxReads }
}

describe('applyCommits and the outbox', () => {
  it("removes the pending change an own writer's commit settled", async () => {
    const store = replicaWithPendingVote()
    const { outboxReads } = await apply(store, [{ seq: 1, pv: 0, col: 'cards', key: 'k1', set: { votes: 1 }, hlc: { votes: HLC }, by: 'replica-a', writer: OWN, through: 1, tx: 1 }])
    expect(outboxReads).toBe(1)
    expect(store.data.outbox.size).toBe(0)
    // Settled: the vote counts once, not once confirmed and once more replayed.
    expect(store.data.visible.get('cards\u0000k1')).toMatchObject({ votes: 1 })
  })

  it("reads no outbox for another replica's commit and keeps the own pending change on top", async () => {
    const store = replicaWithPendingVote()
    const { outboxReads } = await apply(store, [{ seq: 1, pv: 0, col: 'cards', key: 'k1', set: { votes: 5 }, hlc: { votes: HLC }, by: 'replica-b', writer: OTHER, through: 1, tx: 1 }])
    expect(outboxReads).toBe(0)
    expect(store.data.outbox.size).toBe(1)
    expect(store.data.visible.get('cards\u0000k1')).toMatchObject({ votes: 6 })
  })
})
