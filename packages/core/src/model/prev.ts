/**
 * Prev on demand (protocol §2, §3). A change's `prev` is read by the hub only when the change
 * conflicts (the ConflictRecord's `base`, the `base` of a `custom` merge), so a replica leaves it
 * out of a push when it expects no conflict, and sends it again with `prev` if the hub answers
 * `prev_required`.
 *
 * In the outbox an absent `prev` means "the writer saw none of the fields". On the wire it means
 * "left out": a change that carries it spells an empty one as `{}`.
 */
import type { Change } from './change.js'

/** Whether `prev` can matter for a change: a put or patch that writes plain fields (`set`/`unset`). */
export function prevApplies(change: Pick<Change, 'op' | 'set' | 'unset'>): boolean {
  if (change.op === 'delete') return false
  if (change.unset !== undefined && change.unset.length > 0) return true
  for (const f in change.set) if (Object.prototype.hasOwnProperty.call(change.set, f)) return true
  return false
}

/** Whether a change as received lacks the `prev` that settling a conflict of it would need. */
export function prevOmitted(change: Change): boolean {
  return change.prev === undefined && prevApplies(change)
}

/** An outbox change in its wire form with `prev`: `{}` where the outbox stores none. */
export function withPrev(change: Change): Change {
  return prevOmitted(change) ? { ...change, prev: {} } : change
}

/** An outbox change in its wire form without `prev` (the key removed, not set to undefined). */
export function withoutPrev(change: Change): Change {
  if (change.prev === undefined) return change
  const { prev: _leftOut, ...lean } = change
  return lean
}
