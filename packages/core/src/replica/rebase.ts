import type { Change, Commit } from '../model/change.js'
import type { RecordValue } from '../model/json.js'
import { applyPlain, replayChange } from '../model/record-ops.js'
import type { Schema } from '../schema/define-schema.js'
import type { ReplicaTx } from './replica-store.js'

/** visible = confirmed with the pending changes replayed in `ord` order (DESIGN §3 rule 7). */
export function rebase(confirmed: RecordValue | undefined, pending: readonly Change[], schema: Schema): RecordValue | undefined {
  let value = confirmed
  for (const change of pending) value = replayChange(value, change, schema.collection(change.col))
  return value
}

/** A commit applied to a confirmed value. */
export function applyCommitValue(confirmed: RecordValue | undefined, commit: Commit): RecordValue | undefined {
  if (commit.del) return undefined
  if (!commit.set && !commit.unset) return confirmed
  return applyPlain(confirmed ?? {}, commit.set, commit.unset)
}

/** The confirmed value of a record: its snapshot while changes are pending, else the visible one. */
export async function readConfirmed(tx: ReplicaTx, col: string, key: string): Promise<RecordValue | undefined> {
  const snapshot = await tx.getConfirmed(col, key)
  return snapshot ? snapshot.value : tx.getVisible(col, key)
}

/**
 * Stores a record's new confirmed value and recomputes visible from what is still pending. The
 * snapshot exists exactly while changes are pending.
 */
export async function storeConfirmed(tx: ReplicaTx, schema: Schema, col: string, key: string, confirmed: RecordValue | undefined): Promise<void> {
  const pending = await tx.pendingFor(col, key)
  if (pending.length === 0) {
    await tx.putConfirmed(col, key, undefined)
    await tx.putVisible(col, key, confirmed)
    return
  }
  await tx.putConfirmed(col, key, { value: confirmed })
  await tx.putVisible(col, key, rebase(confirmed, pending, schema))
}
