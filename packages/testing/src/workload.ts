import type { JsonValue, RecordValue } from '@accord/core'
import type { LocalOp } from '@accord/core/internal'
import type { Rng } from './rng.js'

/** Collections of the default schema the random workload writes, and their plain fields. */
const PLAIN = ['f1', 'f2', 'f3']
const COLS = ['cards', 'invoices', 'notes', 'tasks', 'docs']
const KEYS = ['a', 'b', 'c', 'd']

/** Marks are unique per write, so a refused transaction's trace can be searched for afterwards. */
export class MarkSource {
  private n = 0
  next(): string {
    return `m${++this.n}`
  }
}

function plainValue(rng: Rng): JsonValue {
  return rng.pick<JsonValue>(['x', 'y', 'z', 'veto', 1, 2, 3, null])
}

function recordFor(col: string, key: string, rng: Rng, mark: string): RecordValue {
  const value: RecordValue = { id: key, mark }
  for (const f of PLAIN) if (rng.chance(0.7)) value[f] = plainValue(rng)
  if (col === 'cards') {
    value['votes'] = rng.int(0, 5)
    value['tags'] = rng.chance(0.5) ? ['t1', 't2'].slice(0, rng.int(0, 2)) : []
    if (rng.chance(0.5)) value['lo'] = rng.int(0, 5)
    if (rng.chance(0.5)) value['hi'] = rng.int(3, 9)
  }
  if (col === 'invoices') value['paid'] = rng.int(0, 3)
  if (col === 'tasks') value['done'] = rng.int(0, 2)
  if (col === 'docs') value['tags'] = []
  return value
}

/** What a workload's generators get: the seeded stream, unique marks and the replica's view. */
export interface WorkloadContext {
  rng: Rng
  marks: MarkSource
  /** The record as the writing replica sees it now. */
  visible(col: string, key: string): RecordValue | undefined
}

/**
 * The writes a simulation makes. Bring your own with your own schema: only `setup` and `write` are
 * required; each optional generator switches on the knob it serves. Put a fresh `marks.next()` in a
 * `mark` field of every put and update so the ledger can prove refused transactions left no trace.
 */
export interface Workload {
  /** Written by the first replica before the random phase. */
  setup(): LocalOp[]
  /** One random write of any kind. */
  write(ctx: WorkloadContext): LocalOp
  /**
   * Increments of records the ledger sums and compares with the hub. The workload must never put,
   * delete or otherwise rewrite these records, and they always run as a transaction of their own.
   */
  counter?: { col: string; field: string; op(ctx: WorkloadContext): LocalOp & { op: 'increment' } }
  /** A transaction of `size` puts, for the over-the-batch-limit knob. */
  large?(ctx: WorkloadContext, size: number): LocalOp[]
  /** Records for the "two offline edits of one field while a third replica writes it" knob. */
  fieldEdits?: { cols: string[]; keys: string[]; edit(ctx: WorkloadContext, col: string, key: string): LocalOp }
  /** Values that resolve an open manual() conflict. */
  resolution?(ctx: WorkloadContext): { [field: string]: JsonValue }
}

/** The default workload, written for `simSchema`. */
export const defaultWorkload: Workload = {
  setup: () => [
    { op: 'put', col: 'counters', value: { id: 'k1', n: 0 } },
    { op: 'put', col: 'counters', value: { id: 'k2', n: 0 } },
  ],
  write: ({ rng, marks, visible }) => randomOp(rng, marks, visible),
  counter: { col: 'counters', field: 'n', op: ({ rng }) => counterOp(rng) },
  large: ({ marks }, size) => Array.from({ length: size }, (_, i) => ({ op: 'put' as const, col: 'notes', value: { id: `big${i}`, mark: marks.next() } })),
  fieldEdits: {
    cols: ['notes', 'invoices', 'cards', 'tasks', 'docs'],
    keys: ['a', 'b'],
    edit: ({ rng, marks }, col, key) => ({ op: 'update', col, key, patch: { f1: rng.pick(['x', 'y', 'z', 'veto', 'q']), mark: marks.next() } }),
  },
  resolution: ({ marks }) => ({ f1: 'resolved', mark: marks.next() }),
}

/** One random write (an op of any kind) on a record of the shared key space. */
export function randomOp(rng: Rng, marks: MarkSource, visible: (col: string, key: string) => RecordValue | undefined): LocalOp {
  const col = rng.pick(COLS)
  const key = rng.pick(KEYS)
  const current = visible(col, key)
  const roll = rng.next()
  if (!current || roll < 0.15) return { op: 'put', col, value: recordFor(col, key, rng, marks.next()) }
  if (roll < 0.55) {
    const patch: Record<string, JsonValue | undefined> = { mark: marks.next() }
    for (const f of PLAIN) if (rng.chance(0.4)) patch[f] = rng.chance(0.15) ? undefined : plainValue(rng)
    if (col === 'cards' && rng.chance(0.4)) patch[rng.pick(['lo', 'hi'])] = rng.int(0, 9)
    if (col === 'cards' && rng.chance(0.2)) patch['votes'] = rng.int(0, 9)
    if (col === 'cards' && rng.chance(0.2)) patch['tags'] = ['t1', 't3'].slice(0, rng.int(0, 2))
    return { op: 'update', col, key, patch }
  }
  if (roll < 0.7) {
    if (col === 'cards') return { op: 'increment', col, key, field: 'votes', by: rng.int(-2, 3) }
    if (col === 'invoices') return { op: 'increment', col, key, field: 'paid', by: rng.int(1, 3) }
    if (col === 'tasks') return { op: 'increment', col, key, field: 'done', by: 1 }
  }
  if (roll < 0.82 && (col === 'cards' || col === 'docs')) {
    const element = rng.pick(['t1', 't2', 't3'])
    return rng.chance(0.6) ? { op: 'addToSet', col, key, field: 'tags', elements: [element] } : { op: 'removeFromSet', col, key, field: 'tags', elements: [element] }
  }
  if (roll < 0.92) return { op: 'delete', col, key }
  return { op: 'update', col, key, patch: { mark: marks.next(), f1: plainValue(rng) } }
}

/** An increment on one of the counter records: always a transaction of its own, never refused. */
export function counterOp(rng: Rng): LocalOp & { op: 'increment' } {
  return { op: 'increment', col: 'counters', key: rng.pick(['k1', 'k2']), field: 'n', by: rng.int(1, 5) }
}

/** The marks a set of ops writes. */
export function marksOf(ops: readonly LocalOp[]): string[] {
  return ops.flatMap((op) => {
    const value = op.op === 'put' ? op.value['mark'] : op.op === 'update' ? op.patch['mark'] : undefined
    return typeof value === 'string' ? [value] : []
  })
}
