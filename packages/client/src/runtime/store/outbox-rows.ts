import type { Change } from '@accord/core'
import { OUTBOX_ROW_CHANGES, type OutboxRow } from './tables.js'

/** How one transaction reads outbox rows (requests issued on its IndexedDB transaction). */
export interface OutboxReader {
  byIds(ids: readonly number[]): Promise<(OutboxRow | undefined)[]>
  /** Rows of `writer` whose first `n` is at most `n` (the only ones that can hold n ≤ `n`). */
  ofWriter(writer: string, n: number): Promise<OutboxRow[]>
  /** Up to `count` rows whose `ord` is above `ord`, in `ord` order. */
  afterOrd(ord: number, count: number): Promise<OutboxRow[]>
  all(): Promise<OutboxRow[]>
}

/** What a transaction's outbox changes come to: the rows to write, and who holds what. */
export interface OutboxPlan {
  puts: OutboxRow[]
  deletes: number[]
  nextRow: number
  /** Changes added minus changes removed. */
  delta: number
  /** Ids of the new rows holding a record's changes, by `col\0key`. */
  newRowsOf: Map<string, number[]>
  /** Whether row `id` may hold a change of the record after this transaction (true when not read). */
  mayHold(id: number, col: string, key: string): boolean
  /** With the whole outbox read: the ids of every row holding a change of the record. */
  holders(col: string, key: string): number[]
}

const changeKey = (writer: string, n: number): string => `${writer}\u0000${n}`
const recordOf = (c: Change): string => `${c.col}\u0000${c.key}`
const byOrd = (a: Change, b: Change): number => a.ord - b.ord
/** Rows read per request when the outbox is read in `ord` order. */
const PAGE_ROWS = 4

/**
 * One transaction's view of the outbox rows (tables.ts): the rows it read, as stored, and the
 * changes it added and removed, merged on every read. Rows are read only as far as a question
 * needs: the rows a record's metadata names, the rows of one writer, the first rows by `ord`.
 * `plan` turns the buffered changes into row writes: touched rows rewritten (or deleted when
 * emptied), new changes packed into new rows by writer, OUTBOX_ROW_CHANGES at most each.
 */
export class OutboxRows {
  private readonly rows = new Map<number, OutboxRow>()
  /** Row id of every change in a row read here. */
  private readonly located = new Map<string, number>()
  private readonly added = new Map<string, Change>()
  private readonly removed = new Set<string>()
  /** Keys removed and then added again: stored, perhaps, in a row not read yet (a replaced change). */
  private readonly readded = new Set<string>()
  /** Every row with `ord` up to this was read (paging in `ord` order). */
  private pagedThrough = Number.NEGATIVE_INFINITY
  /** Whether every stored row was read (or the table is known empty). */
  whole = false

  constructor(private readonly reader: OutboxReader) {}

  /** The table was found empty: every read is answered from memory. */
  knownEmpty(): void {
    this.whole = true
  }

  async readWhole(): Promise<void> {
    if (this.whole) return
    this.take(await this.reader.all())
    this.whole = true
  }

  /** Reads the rows of these ids not read yet (one request each, issued together). */
  async readIds(ids: Iterable<number>): Promise<void> {
    if (this.whole) return
    const missing = [...new Set(ids)].filter((id) => !this.rows.has(id))
    if (missing.length) this.take((await this.reader.byIds(missing)).filter((r): r is OutboxRow => r !== undefined))
  }

  /** The record's pending changes in `ord` order, from the rows `ids` (all rows when read whole). */
  async pendingFor(col: string, key: string, ids: readonly number[]): Promise<Change[]> {
    await this.readIds(ids)
    return this.collect(this.whole ? this.rows.keys() : ids, (c) => c.col === col && c.key === key)
  }

  async through(writer: string, n: number): Promise<Change[]> {
    if (!this.whole) this.take(await this.reader.ofWriter(writer, n))
    return this.collect(this.rows.keys(), (c) => c.writer === writer && c.n <= n)
  }

  /** The first `limit` changes by `ord` (all without a limit), reading rows in `ord` order only as far as needed. */
  async first(limit?: number): Promise<Change[]> {
    if (limit === undefined) await this.readWhole()
    while (!this.whole) {
      const exact = this.collect(this.rows.keys(), () => true).filter((c) => c.ord <= this.pagedThrough)
      if (limit !== undefined && exact.length >= limit) return exact.slice(0, limit)
      const page = await this.reader.afterOrd(this.pagedThrough, PAGE_ROWS)
      this.take(page)
      const last = page[page.length - 1]
      if (last) this.pagedThrough = last.ord
      if (page.length < PAGE_ROWS) this.whole = true
    }
    const all = this.collect(this.rows.keys(), () => true)
    return limit === undefined ? all : all.slice(0, limit)
  }

  add(change: Change): void {
    const k = changeKey(change.writer, change.n)
    if (this.removed.delete(k)) this.readded.add(k)
    this.added.set(k, change)
  }

  remove(writer: string, n: number): void {
    const k = changeKey(writer, n)
    this.added.delete(k)
    this.removed.add(k)
  }

  /** How many changes this transaction added minus removed (removals located first). */
  async delta(): Promise<number> {
    await this.locateRemovals()
    let delta = 0
    for (const k of this.added.keys()) if (!this.located.has(k)) delta += 1
    for (const k of this.removed) if (this.located.has(k)) delta -= 1
    return delta
  }

  /** The changes held now: every row read, plus the new ones. */
  heldCount(): number {
    return this.collect(this.rows.keys(), () => true).length
  }

  /** Whether this transaction changed the outbox at all. */
  get changed(): boolean {
    return this.added.size > 0 || this.removed.size > 0
  }

  /** The row writes of this transaction's changes; new rows numbered from `nextRow`. */
  async plan(nextRow: number): Promise<OutboxPlan> {
    const delta = await this.delta()
    const final = new Map<number, Change[]>()
    const puts: OutboxRow[] = []
    const deletes: number[] = []
    const touched = new Set<number>()
    for (const k of [...this.removed, ...this.added.keys()]) {
      const id = this.located.get(k)
      if (id !== undefined) touched.add(id)
    }
    for (const id of touched) {
      const row = this.rows.get(id) as OutboxRow
      const changes = row.changes.map((c) => this.current(c)).filter((c): c is Change => c !== undefined)
      final.set(id, changes)
      if (changes.length) puts.push(rowOf(id, changes))
      else deletes.push(id)
    }
    const fresh = new Map<string, Change[]>()
    for (const [k, c] of this.added) {
      if (this.located.has(k)) continue
      let mine = fresh.get(c.writer)
      if (!mine) fresh.set(c.writer, (mine = []))
      mine.push(c)
    }
    const newRowsOf = new Map<string, number[]>()
    for (const changes of fresh.values()) {
      changes.sort(byOrd)
      for (let i = 0; i < changes.length; i += OUTBOX_ROW_CHANGES) {
        const id = nextRow++
        const part = changes.slice(i, i + OUTBOX_ROW_CHANGES)
        final.set(id, part)
        puts.push(rowOf(id, part))
        for (const c of part) {
          const ids = newRowsOf.get(recordOf(c)) ?? []
          if (ids[ids.length - 1] !== id) ids.push(id)
          newRowsOf.set(recordOf(c), ids)
        }
      }
    }
    const contents = (id: number): readonly Change[] | undefined => final.get(id) ?? this.rows.get(id)?.changes
    // Built once, on the first question: which rows hold each record's changes after this transaction.
    let index: Map<string, number[]> | undefined
    const holdersOf = (): Map<string, number[]> => {
      if (index) return index
      index = new Map()
      for (const id of [...new Set([...this.rows.keys(), ...final.keys()])].sort((a, b) => a - b)) {
        for (const c of contents(id) ?? []) {
          const ids = index.get(recordOf(c)) ?? []
          if (ids[ids.length - 1] !== id) ids.push(id)
          index.set(recordOf(c), ids)
        }
      }
      return index
    }
    return {
      puts,
      deletes,
      nextRow,
      delta,
      newRowsOf,
      mayHold: (id, col, key) => (contents(id) === undefined ? !this.whole : (holdersOf().get(`${col}\u0000${key}`) ?? []).includes(id)),
      holders: (col, key) => holdersOf().get(`${col}\u0000${key}`) ?? [],
    }
  }

  /**
   * Reads the rows of removed or replaced changes not read yet, so that a removal deletes the
   * stored change and a replacement takes its place rather than adding a second copy (the engine
   * reads before it removes; this keeps the store right without relying on it).
   */
  private async locateRemovals(): Promise<void> {
    if (this.whole) return
    const upTo = new Map<string, number>()
    for (const k of [...this.removed, ...this.readded]) {
      if (this.located.has(k)) continue
      const at = k.lastIndexOf('\u0000')
      const writer = k.slice(0, at)
      upTo.set(writer, Math.max(upTo.get(writer) ?? 0, Number(k.slice(at + 1))))
    }
    for (const [writer, n] of upTo) this.take(await this.reader.ofWriter(writer, n))
  }

  private take(rows: readonly OutboxRow[]): void {
    for (const row of rows) {
      if (this.rows.has(row.id)) continue
      this.rows.set(row.id, row)
      for (const c of row.changes) this.located.set(changeKey(c.writer, c.n), row.id)
    }
  }

  /** A stored change as this transaction has it: replaced, removed (undefined) or as stored. */
  private current(c: Change): Change | undefined {
    const k = changeKey(c.writer, c.n)
    if (this.removed.has(k)) return undefined
    return this.added.get(k) ?? c
  }

  /** Changes matching `keep` in the rows `ids` and among the new ones, in `ord` order. */
  private collect(ids: Iterable<number>, keep: (c: Change) => boolean): Change[] {
    const out: Change[] = []
    for (const id of ids) {
      for (const stored of this.rows.get(id)?.changes ?? []) {
        const c = this.current(stored)
        if (c && keep(c)) out.push(c)
      }
    }
    for (const [k, c] of this.added) if (!this.located.has(k) && keep(c)) out.push(c)
    return out.sort(byOrd)
  }
}

function rowOf(id: number, changes: readonly Change[]): OutboxRow {
  const first = changes[0] as Change
  let ord = first.ord
  let n = first.n
  for (const c of changes) {
    if (c.ord < ord) ord = c.ord
    if (c.n < n) n = c.n
  }
  return { id, ord, writer: first.writer, n, changes: [...changes] }
}
