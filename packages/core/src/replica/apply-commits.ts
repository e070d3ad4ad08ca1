import type { Commit, ConflictRecord } from '../model/change.js'
import type { Schema } from '../schema/define-schema.js'
import { applyCommitValue, readConfirmed, removePending, storeConfirmed } from './rebase.js'
import type { ReplicaTx } from './replica-store.js'

export interface ApplyCommitsResult {
  /** Commits applied (a prefix of the input, after those already applied). */
  applied: number
  /** Why application stopped early: a seq gap, or a record whose version is not the commit's pv. */
  stopped?: 'gap' | 'mismatch'
  /** New cursor. */
  cursor: number
  conflicts: ConflictRecord[]
  /** Outbox changes the commits settled. */
  settled: number
  /** Highest field HLC seen, for the replica's clock to follow. */
  maxHlc?: string
}

/** Test-only fault: apply commits without checking contiguity. */
export interface ApplyFaults {
  ignoreGaps?: boolean
}

/**
 * Applies commits strictly in seq order inside one storage transaction (DESIGN §3 rules 5, 7): a
 * commit applies only when `seq = cursor + 1` and the record's confirmed version equals `pv`.
 * Confirmed values, versions, outbox removals (`through`), conflicts and the cursor move together.
 */
export async function applyCommits(tx: ReplicaTx, schema: Schema, commits: readonly Commit[], faults?: ApplyFaults): Promise<ApplyCommitsResult> {
  // The prefetch reads the state row with the records' rows: one round of requests, not two.
  await tx.prefetch?.(commits)
  const state = await tx.getState()
  const result: ApplyCommitsResult = { applied: 0, cursor: state.cursor, conflicts: [], settled: 0 }
  const ownWriters = new Set(Object.keys(state.writers))
  for (const commit of commits) {
    if (commit.seq <= result.cursor) continue
    if (commit.seq !== result.cursor + 1 && !faults?.ignoreGaps) {
      result.stopped = 'gap'
      break
    }
    const version = await tx.getVersion(commit.col, commit.key)
    if (version !== commit.pv && !faults?.ignoreGaps) {
      result.stopped = 'mismatch'
      break
    }
    result.settled += await applyOne(tx, schema, commit, result, ownWriters)
    result.cursor = commit.seq
    result.applied += 1
  }
  if (result.applied > 0) {
    state.cursor = result.cursor
    await tx.putState(state)
  }
  return result
}

/**
 * `ownWriters`: the database's writers that may have pending changes (the state row's). Every
 * outbox entry's writer is one of them, so another replica's commit settles nothing here and
 * costs no outbox read (most commits a replica receives).
 */
async function applyOne(tx: ReplicaTx, schema: Schema, commit: Commit, result: ApplyCommitsResult, ownWriters: ReadonlySet<string>): Promise<number> {
  const { col, key } = commit
  const confirmed = applyCommitValue(await readConfirmed(tx, col, key), commit)
  if (commit.set || commit.unset || commit.del) await tx.putVersion(col, key, commit.seq)
  const settledChanges = commit.writer !== undefined && commit.through !== undefined && ownWriters.has(commit.writer) ? await tx.outboxThrough(commit.writer, commit.through) : []
  const mine = settledChanges.filter((c) => c.col === col && c.key === key)
  // Only a commit gap could leave an older change of another record here; rebase it all the same.
  await removePending(tx, schema, settledChanges.filter((c) => c.col !== col || c.key !== key))
  for (const c of mine) await tx.removeOutbox(c.writer, c.n)
  if (schema.has(col)) await storeConfirmed(tx, schema, col, key, confirmed)
  const settled = settledChanges.length
  if (commit.conflict) {
    await tx.putConflict(commit.conflict)
    result.conflicts.push(commit.conflict)
  }
  for (const id of commit.resolved ?? []) {
    const open = await tx.getConflict(id)
    if (open) {
      const closed: ConflictRecord = { ...open, closedBy: commit.seq }
      delete closed.open
      await tx.putConflict(closed)
      result.conflicts.push(closed)
    }
  }
  for (const hlc of Object.values(commit.hlc)) if (result.maxHlc === undefined || hlc > result.maxHlc) result.maxHlc = hlc
  return settled
}
