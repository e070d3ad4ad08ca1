import type { Change } from '../model/change.js'
import { prevApplies, withoutPrev, withPrev } from '../model/prev.js'
import type { ReplicaTx } from './replica-store.js'

/**
 * The changes of a push as first sent under prev on demand (protocol §2): `prev` is left out of
 * a change unless this replica already knows of a commit the writer had not seen, that is:
 *   - the record's confirmed version here is not the change's `base` (a commit, someone else's or
 *     our own, landed since the write: ours usually cannot conflict, but telling them apart needs
 *     per-field authors the replica does not keep, so any newer commit counts), or
 *   - the change has a `fieldBase` (an own pending change masked a newer remote value).
 * A wrong guess costs a round trip, never a wrong decision: the hub refuses a conflicting change
 * without `prev` as `prev_required`, and `withPrev` forms are sent then.
 */
export async function leanPushForms(tx: ReplicaTx, changes: readonly Change[]): Promise<Change[]> {
  await tx.prefetch?.(changes, { version: true })
  const forms: Change[] = []
  for (const change of changes) {
    if (!prevApplies(change)) {
      forms.push(change)
      continue
    }
    const seenAll = change.fieldBase === undefined && (await tx.getVersion(change.col, change.key)) === change.base
    forms.push(seenAll ? withoutPrev(change) : withPrev(change))
  }
  return forms
}

/** The changes of a push with every `prev`, as the hub can always decide them. */
export function fullPushForms(changes: readonly Change[]): Change[] {
  return changes.map(withPrev)
}
