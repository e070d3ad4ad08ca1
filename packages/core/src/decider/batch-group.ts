import type { ConflictRecord } from '../model/change.js'
import type { BatchDecision } from './decide-batch.js'
import { recordKey, type DeciderView, type HubRecordState, type WriterState } from './hub-record.js'

/**
 * Group commit: several batches of one space, queued while the store was busy, are decided one
 * after the other, each on the space as the previous ones leave it, and written in one store
 * transaction (one fsync for all). Each batch is still decided alone and in arrival order; only
 * the write is shared. Written together, they become visible together, so seq order stays
 * visibility order, and every ack waits for that one durable commit.
 *
 * `DecisionOverlay` is the view a batch is decided on: a snapshot with the decisions of the
 * earlier batches of the group laid over it, exactly as the store would return them once written
 * (`commitBatch` semantics: records and writers replaced, conflicts inserted, then closed).
 */
export class DecisionOverlay implements DeciderView {
  private top: number
  private readonly records = new Map<string, HubRecordState>()
  private readonly writers = new Map<string, WriterState>()
  private readonly conflicts = new Map<number, ConflictRecord>()
  private readonly closedBy = new Map<number, number>()

  constructor(private readonly base: DeciderView) {
    this.top = base.head
  }

  get head(): number {
    return this.top
  }

  record(col: string, key: string): HubRecordState | undefined {
    return this.records.get(recordKey(col, key)) ?? this.base.record(col, key)
  }

  writer(writer: string): WriterState | undefined {
    return this.writers.get(writer) ?? this.base.writer(writer)
  }

  conflict(id: number): ConflictRecord | undefined {
    const found = this.conflicts.get(id) ?? this.base.conflict(id)
    const closedBy = this.closedBy.get(id)
    return found && closedBy !== undefined ? { ...found, closedBy } : found
  }

  /** Lays a decision made on this view over it, as if it had been committed. */
  add(decision: BatchDecision): void {
    if (decision.head !== this.top) throw new Error(`a decision made on head ${decision.head} laid over head ${this.top}`)
    for (const state of decision.records) this.records.set(recordKey(state.col, state.key), state)
    for (const state of decision.writers) this.writers.set(state.writer, state)
    for (const record of decision.conflicts) this.conflicts.set(record.id, record)
    for (const { id, closedBy } of decision.closed) this.closedBy.set(id, closedBy)
    this.top += decision.commits.length
  }
}

/**
 * The decisions of a group (each made on the overlay of the ones before it, in this order) as one
 * decision for `HubStore.commitBatch`: made on the first one's head, its commits all of theirs in
 * seq order, each record and writer in its last state, every conflict opened and closed. Its
 * `ack` covers the whole group; each batch is acknowledged with its own.
 */
export function mergeDecisions(decisions: readonly BatchDecision[]): BatchDecision {
  const first = decisions[0]
  if (!first) throw new Error('no decision to merge')
  if (decisions.length === 1) return first
  const records = new Map<string, HubRecordState>()
  const writers = new Map<string, WriterState>()
  const merged: BatchDecision = {
    head: first.head,
    commits: [],
    records: [],
    writers: [],
    conflicts: [],
    closed: [],
    ack: { through: {}, seq: first.head, rejected: [] },
    effects: [],
    pendingValidations: [],
  }
  for (const decision of decisions) {
    if (decision.head !== merged.head + merged.commits.length) {
      throw new Error(`decision on head ${decision.head} does not follow head ${merged.head + merged.commits.length}`)
    }
    merged.commits.push(...decision.commits)
    for (const state of decision.records) records.set(recordKey(state.col, state.key), state)
    for (const state of decision.writers) writers.set(state.writer, state)
    merged.conflicts.push(...decision.conflicts)
    merged.closed.push(...decision.closed)
    merged.ack.rejected.push(...decision.ack.rejected)
    merged.effects.push(...decision.effects)
    merged.pendingValidations.push(...decision.pendingValidations)
  }
  merged.records = [...records.values()]
  merged.writers = [...writers.values()]
  for (const state of merged.writers) merged.ack.through[state.writer] = state.watermark
  merged.ack.seq = merged.head + merged.commits.length
  return merged
}
