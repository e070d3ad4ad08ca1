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
