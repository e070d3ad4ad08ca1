import type { Change } from '../model/change.js'
import type { RecordValue } from '../model/json.js'
import type { Schema } from '../schema/define-schema.js'
import { applyBody, isNoop, opKey, planLocalOp, type ChangeBody, type LocalOp } from './local-ops.js'
import type { PrefetchWant, ReplicaTx } from './replica-store.js'
import { recordKey } from '../decider/hub-record.js'

/**
 * What a local write reads: the visible value and the version of each record, the state row, and
 * pending changes only of records that have a visible value or a version (see `commitWrite`).
 */
export const WRITE_READS: PrefetchWant = { visible: true, version: true, pending: 'ifPresent', state: true }

/** The records a local transaction would produce, computed outside the storage transaction. */
export interface PlannedWrite {
  /** Visible values the plan was computed on, to detect a record that moved meanwhile. */
  seen: Map<string, RecordValue | undefined>
  bodies: ChangeBody[]
  /** Resulting visible values, to validate before writing. */
  results: Map<string, { col: string; key: string; value: RecordValue | undefined }>
}

/** Plans a local transaction on the given visible values (reading through `read`). */
export async function planWrite(
  ops: readonly LocalOp[],
  schema: Schema,
  read: (col: string, key: string) => Promise<RecordValue | undefined>,
  prefetch?: (records: { col: string; key: string }[], want: PrefetchWant) => Promise<void>,
): Promise<PlannedWrite> {
  const seen = new Map<string, RecordValue | undefined>()
  const current = new Map<string, RecordValue | undefined>()
  const results = new Map<string, { col: string; key: string; value: RecordValue | undefined }>()
  const bodies: ChangeBody[] = []
  if (prefetch) await prefetch(ops.flatMap((op) => (op.op === 'put' ? (typeof op.value['id'] === 'string' ? [{ col: op.col, key: op.value['id'] }] : []) : [{ col: op.col, key: op.key }])), WRITE_READS)
  for (const op of ops) {
    const col = schema.collection(op.col)
    const key = opKey(op)
    const rk = recordKey(op.col, key)
    if (!current.has(rk)) {
      const value = await read(op.col, key)
      seen.set(rk, value)
      current.set(rk, value)
    }
    const visible = current.get(rk)
    const body = planLocalOp(op, visible, col)
    if (!body) continue
    const next = applyBody(visible, body, col)
    if (isNoop(visible, next, body)) continue
    bodies.push(body)
    current.set(rk, next)
    results.set(rk, { col: op.col, key, value: next })
  }
  return { seen, bodies, results }
}

/**
 * Writes a planned local transaction inside one storage transaction: checks that no record moved
 * since planning (returns 'moved' so the caller re-plans), snapshots confirmed values, allocates
 * consecutive `n`/`ord` and one `tx`, appends to the outbox and writes visible values.
 */
export async function commitWrite(
  tx: ReplicaTx,
  plan: PlannedWrite,
  hlc: () => string,
  own: { writer: string; fresh: () => string },
): Promise<{ changes: Change[]; writer: string } | 'moved'> {
  await tx.prefetch?.(plan.bodies, WRITE_READS)
  for (const [rk, seen] of plan.seen) {
    const [col, key] = rk.split('\u0000') as [string, string]
    const now = await tx.getVisible(col, key)
    if (JSON.stringify(now) !== JSON.stringify(seen)) return 'moved'
  }
  if (plan.bodies.length === 0) return { changes: [], writer: own.writer }
  const state = await tx.getState()
  let writer = own.writer
  let alloc = state.writers[writer]
  if (!alloc || alloc.retired) {
    // Pruned (no pending changes when another runtime opened) or moved away: a fresh writer
    // starts at n = 1, which no hub has seen; reusing the old id could collide with settled n.
    writer = own.fresh()
    alloc = { nextN: 1, nextTx: 1 }
    state.writers[writer] = alloc
  }
  const txId = alloc.nextTx++
  const changes: Change[] = []
  // The index of each record's last body: its visible value is written once, after it.
  const lastBody = new Map(plan.bodies.map((body, i) => [recordKey(body.col, body.key), i]))
  for (const [i, body] of plan.bodies.entries()) {
    const visible = await tx.getVisible(body.col, body.key)
    const base = await tx.getVersion(body.col, body.key)
    // Pending changes decide two things: whether to snapshot the confirmed value (only a visible
    // value can need one) and the field bases (only a base above 0 can be masked). A record with
    // neither, such as every new record of an import, needs no outbox read at all.
    const pending = visible === undefined && base === 0 ? [] : await tx.pendingFor(body.col, body.key)
    if (pending.length === 0 && visible !== undefined) {
      // Snapshot the confirmed value before the first pending change; an absent one needs no row.
      await tx.putConfirmed(body.col, body.key, { value: visible })
    }
    const change: Change = {
      writer,
      n: alloc.nextN++,
      replica: state.replicaId,
      tx: txId,
      col: body.col,
      key: body.key,
      hlc: hlc(),
      op: body.op,
      ord: state.nextOrd++,
      base,
      ...withoutKeys(body),
    }
    const fieldBase = fieldBases(change, pending, visible)
    if (fieldBase) change.fieldBase = fieldBase
    if (i === plan.bodies.length - 1) change.txEnd = true
    await tx.addOutbox(change)
    const result = plan.results.get(recordKey(body.col, body.key))
    changes.push(change)
    if (result && lastBody.get(recordKey(body.col, body.key)) === i) {
      await tx.putVisible(body.col, body.key, result.value)
    }
  }
  const last = changes[changes.length - 1]
  if (last) state.hlc = last.hlc
  await tx.putState(state)
  return { changes, writer }
}

function withoutKeys(body: ChangeBody): Omit<ChangeBody, 'col' | 'key' | 'op'> {
  const { col: _c, key: _k, op: _o, ...rest } = body
  return rest
}

/**
 * For each field this change writes that an own pending change also writes: the lowest base of
 * those pending changes, because the replica never saw remote values they mask.
 */
function fieldBases(change: Change, pending: readonly Change[], visible: RecordValue | undefined): Change['fieldBase'] {
  if (pending.length === 0) return undefined
  const written = change.op === 'delete' ? Object.keys(visible ?? {}) : [...Object.keys(change.set ?? {}), ...(change.unset ?? [])]
  const out: { [f: string]: number } = {}
  for (const f of written) {
    for (const p of pending) {
      const writes = p.op === 'delete' || p.set?.[f] !== undefined || p.unset?.includes(f)
      if (writes && p.base < change.base) out[f] = Math.min(out[f] ?? Infinity, p.base)
    }
  }
  return Object.keys(out).length ? out : undefined
}
