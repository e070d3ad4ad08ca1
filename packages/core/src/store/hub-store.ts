import type { ConflictRecord } from '../model/change.js'
import type { BatchDecision } from '../decider/decide-batch.js'
import type { HubRecordState, WriterState } from '../decider/hub-record.js'
import type { PullPage } from '../protocol/messages.js'

/** A space's durable identity and position. */
export interface SpaceInfo {
  space: string
  /** Random, fixed when the space is created; a replica that sees another re-pulls from 0. */
  storeId: string
  /** Last seq. */
  head: number
  /** Highest seq whose tombstones or closed conflicts were purged. */
  purgedThrough: number
}

/** What the decider needs for one batch, read in one snapshot. */
export interface DecisionSnapshot {
  head: number
  records: HubRecordState[]
  writers: WriterState[]
  conflicts: ConflictRecord[]
}

export interface DecisionReadRequest {
  records: { col: string; key: string }[]
  writers: string[]
  conflicts: number[]
}

export interface PullQuery {
  since: number
  limit: number
  cols?: string[]
  /** The pulling replica: it alone gets its private ConflictRecords and its writers' watermarks. */
  replica: string
}

/**
 * Durable storage of a hub. Every implementation must pass `runHubStoreContract` and guarantee:
 *
 * - **Atomic per batch.** `commitBatch` writes all of a decision (records, watermarks, conflicts,
 *   the new head) or nothing. A crash at any point leaves only whole batches.
 * - **Optimistic.** `commitBatch` writes only if the space's head still equals `decision.head`,
 *   checked under the space's lock in the writing transaction; otherwise it writes nothing and
 *   returns false, and the hub decides again. Watermarks therefore move only with their batch.
 * - **Seq order = visibility order** within a space: a commit with a higher seq never becomes
 *   visible to a reader before one with a lower seq, so paging by cursor never skips a commit.
 * - **Durable before the promise resolves** (the hub acknowledges after it).
 * - **Snapshot reads.** `readForDecision` and each `pull` page read one consistent snapshot.
 * - **Stable identity.** A space's `storeId` never changes once created.
 * - **Idempotency by change id** follows from the watermarks: the decider never re-applies
 *   `n ≤ watermark`, and the watermark is written in the batch's transaction.
 */
export interface HubStore {
  /** Opens a space, creating it (with a fresh storeId) on first use. */
  openSpace(space: string): Promise<SpaceInfo>
  /** Binds a replica to a principal at first use; `taken` when another principal holds it. */
  bindReplica(space: string, replica: string, principal: string): Promise<'bound' | 'taken'>
  /** Watermarks of the given writers that the store knows (unknown writers are left out). */
  watermarks(space: string, writers: string[]): Promise<{ [writer: string]: number }>
  readForDecision(space: string, request: DecisionReadRequest): Promise<DecisionSnapshot>
  /** Writes a decision atomically if the head has not moved; false (nothing written) otherwise. */
  commitBatch(space: string, decision: BatchDecision): Promise<boolean>
  /** One page of catch-up: records with version > since in version order, read in one snapshot. */
  pull(space: string, query: PullQuery): Promise<Omit<PullPage, 'v'>>
  /**
   * Drops tombstones and closed conflicts settled at or before `throughSeq` (never open manual
   * conflicts) and raises `purgedThrough`.
   */
  purge(space: string, throughSeq: number): Promise<void>
  /** A summary for health checks. */
  health(): Promise<{ ok: boolean; spaces: number; detail?: string }>
  close(): Promise<void>
}
