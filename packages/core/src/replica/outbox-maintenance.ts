import type { Change } from '../model/change.js'
import type { Schema } from '../schema/define-schema.js'
import { removePending } from './rebase.js'
import type { ReplicaTx } from './replica-store.js'

/**
 * Moves a writer's pending changes with n ≥ `fromN` to a fresh writer, renumbered from 1 with the
 * same `ord` and `tx` (DESIGN §3 rule 1). Used when the hub's watermark for the writer is below
 * what the replica holds (a hub restored from an older snapshot), and after an oversize
 * transaction leaves a hole in the numbering. The runtime's own writer follows the move.
 */
export async function moveWriter(tx: ReplicaTx, writer: string, fromN: number): Promise<number> {
  const freshId = movedWriterId(writer, fromN)
  const state = await tx.getState()
  const moving = (await tx.outbox()).filter((c) => c.writer === writer && c.n >= fromN)
  let n = 0
  for (const change of moving) {
    await tx.removeOutbox(change.writer, change.n)
    n += 1
    await tx.addOutbox({ ...change, writer: freshId, n })
  }
  const old = state.writers[writer]
  state.writers[freshId] = { nextN: n + 1, nextTx: old?.nextTx ?? 1 }
  // The moved id is shared by every copy of this database, so it never becomes a runtime's own
  // writer: the runtime that owned the source writer continues under a fresh random one.
  if (old) old.retired = true
  await tx.putState(state)
  return moving.length
}

/**
 * Removes a pending transaction the hub can never accept (over its limits) and rolls back its
 * visible effect. Later changes of the same writer move to a derived writer so numbering stays
 * contiguous for the hub. (A hole DESIGN §3 rule 2 left open: dropping a transaction alone breaks
 * the writer's contiguous `n`, and every later push would be refused `out_of_order`.)
 */
export async function dropTransaction(tx: ReplicaTx, schema: Schema, changes: readonly Change[]): Promise<void> {
  const first = changes[0]
  const last = changes[changes.length - 1]
  if (!first || !last) return
  await removePending(tx, schema, changes)
  await moveWriter(tx, first.writer, last.n + 1)
}

/**
 * After the hub lost history (another storeId, or a cursor past its head), pending bases above
 * `ceiling` point at versions the hub never had: bring them down to it.
 */
export async function clampPendingBases(tx: ReplicaTx, ceiling: number): Promise<void> {
  for (const change of await tx.outbox()) {
    let changed = false
    const next: Change = { ...change }
    if (next.base > ceiling) {
      next.base = ceiling
      changed = true
    }
    if (next.fieldBase) {
      const fb = { ...next.fieldBase }
      for (const [f, b] of Object.entries(fb)) if (b > ceiling) ((fb[f] = ceiling), (changed = true))
      next.fieldBase = fb
    }
    if (changed) {
      await tx.removeOutbox(change.writer, change.n)
      await tx.addOutbox(next)
    }
  }
}

/**
 * The id a writer's changes from `fromN` move to. Deterministic, so two copies of one database (a
 * cloned profile, a restored backup) that move the same pending changes produce the same writer
 * and numbers, and the hub settles them once. (A random id here applied cloned changes twice.)
 */
export function movedWriterId(writer: string, fromN: number): string {
  const text = `${writer}#${fromN}`
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0
  }
  return `m${h1.toString(36)}${h2.toString(36)}`
}

/** Lowest pending n per writer. */
export function lowestPending(outbox: readonly Change[]): Map<string, number> {
  const lowest = new Map<string, number>()
  for (const c of outbox) if (c.n < (lowest.get(c.writer) ?? Infinity)) lowest.set(c.writer, c.n)
  return lowest
}
