/**
 * `db.transaction(fn)` (DESIGN §5): writes are buffered while `fn` runs and committed as ONE
 * `write(ops)` (one atomic local transaction, consecutive `n` and `ord`) once it resolves; a throw
 * discards them. Reads inside see the buffered writes: each write is planned against the record as
 * the transaction sees it with core's own `planLocalOp`/`applyBody`, so a bad write (a missing
 * record, a wrong field kind) rejects at the call, as it would outside a transaction.
 */
import { AccordError, type RecordValue, type Schema } from '@accord/core'
import { applyBody, cloneJson, planLocalOp, type LocalOp } from '@accord/core/internal'
import type { FindQuery } from '../shared/worker-api.js'
import { createTransactionCollection, type CollectionBackend } from './collection.js'
import { matchesWhere, orderAndPage } from './query-match.js'
import type { Transaction } from './types.js'

/** The buffer of one transaction. */
export class TransactionBuffer<S extends Schema> implements CollectionBackend {
  readonly ops: LocalOp[] = []
  /** The record after the buffered writes, per touched `col` → `key` (undefined: deleted/absent). */
  private readonly overlay = new Map<string, Map<string, RecordValue | undefined>>()
  private sealed = false
  /** Writes run one at a time, in call order, even when the callback does not await them. */
  private lane: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly schema: S,
    private readonly base: Pick<CollectionBackend, 'get' | 'find'>,
  ) {}

  readonly api: Transaction<S> = {
    collection: (name) => {
      this.schema.collection(name)
      return createTransactionCollection(name, this)
    },
  }

  write(op: LocalOp): Promise<void> {
    const run = async (): Promise<void> => {
      this.assertOpen()
      const resolved = this.schema.collection(op.col)
      const key = op.op === 'put' ? String(op.value['id']) : op.key
      // A put's next value does not depend on what it replaces (counters and sets travel as
      // deltas the worker computes), so it needs no round trip to the worker: a bulk import of
      // N puts read N records for nothing (BENCHMARKS.md, P2).
      const visible = op.op === 'put' && !this.overlay.get(op.col)?.has(key) ? undefined : await this.get(op.col, key)
      const body = planLocalOp(op, visible, resolved)
      const next = body ? applyBody(visible, body, resolved) : visible
      this.touched(op.col).set(key, next === undefined ? undefined : cloneJson(next))
      this.ops.push(op)
    }
    const done = this.lane.then(run, run)
    this.lane = done.catch(() => undefined)
    return done
  }

  async get(col: string, key: string): Promise<RecordValue | undefined> {
    this.assertOpen()
    const touched = this.overlay.get(col)
    if (touched?.has(key)) {
      const value = touched.get(key)
      return value === undefined ? undefined : cloneJson(value)
    }
    return this.base.get(col, key)
  }

  async find(col: string, query: FindQuery): Promise<RecordValue[]> {
    this.assertOpen()
    const touched = this.overlay.get(col)
    if (!touched || touched.size === 0) return this.base.find(col, query)
    // Widen to the whole `where` match, replace what this transaction touched, then order and page.
    const byId = new Map<string, RecordValue>()
    for (const record of await this.base.find(col, query.where ? { where: query.where } : {})) byId.set(String(record['id']), record)
    for (const [key, value] of touched) {
      if (value !== undefined && matchesWhere(value, query.where)) byId.set(key, cloneJson(value))
      else byId.delete(key)
    }
    return orderAndPage([...byId.values()], query)
  }

  /** Waits for the writes still in flight; after it, the buffer takes no more. */
  async seal(): Promise<LocalOp[]> {
    await this.lane
    this.sealed = true
    return this.ops
  }

  /** Drops everything (the callback threw). */
  discard(): void {
    this.sealed = true
    this.ops.length = 0
    this.overlay.clear()
  }

  private touched(col: string): Map<string, RecordValue | undefined> {
    let map = this.overlay.get(col)
    if (!map) this.overlay.set(col, (map = new Map()))
    return map
  }

  private assertOpen(): void {
    if (this.sealed) throw new AccordError('closed', 'this transaction has ended: use it only inside its callback')
  }
}
