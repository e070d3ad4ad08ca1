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

/**
 * The confirmed value of a record: its snapshot while changes are pending; with changes pending
 * and no snapshot, absent (a record created here and not confirmed yet: not storing a snapshot
 * for it saves a write per new record); with nothing pending, the visible value.
 */
export async function readConfirmed(tx: ReplicaTx, col: string, key: string): Promise<RecordValue | undefined> {
  const snapshot = await tx.getConfirmed(col, key)
  if (snapshot) return snapshot.value
  if ((await tx.pendingFor(col, key)).length) return undefined
  return tx.getVisible(col, key)
}

/**
 * Stores a record's new confirmed value and recomputes visible from what is still pending. The
 * snapshot exists exactly while changes are pending and the confirmed record exists.
 */
export async function storeConfirmed(tx: ReplicaTx, schema: Schema, col: string, key: string, confirmed: RecordValue | undefined): Promise<void> {
  const pending = await tx.pendingFor(col, key)
  if (pending.length === 0) {
    await tx.putConfirmed(col, key, undefined)
    await tx.putVisible(col, key, confirmed)
    return
  }
  await tx.putConfirmed(col, key, confirmed === undefined ? undefined : { value: confirmed })
  await tx.putVisible(col, key, rebase(confirmed, pending, schema))
}

/**
 * Removes settled or dropped changes from the outbox and rebases their records. Confirmed values
 * are read before the removal: once the last pending change is gone, a record with no snapshot
 * would read as its visible value, which still holds the removed changes' effect.
 */
export async function removePending(tx: ReplicaTx, schema: Schema, changes: readonly Change[]): Promise<void> {
  const records = new Map<string, { col: string; key: string; confirmed: RecordValue | undefined }>()
  for (const c of changes) {
    const k = `${c.col}\u0000${c.key}`
    if (!records.has(k)) records.set(k, { col: c.col, key: c.key, confirmed: await readConfirmed(tx, c.col, c.key) })
  }
  for (const c of changes) await tx.removeOutbox(c.writer, c.n)
  for (const { col, key, confirmed } of records.values()) if (schema.has(col)) await storeConfirmed(tx, schema, col, key, confirmed)
}
