import type { BatchDecision, ConflictRecord, HubRecordState, WriterState } from '@accord/core'
import type { Database, Statement } from 'better-sqlite3'
import { conflictParams, recordRow, RECORD_COLUMNS } from './rows.js'

/** What the write transaction needs of a decision. */
export interface BatchWrite {
  space: string
  /** The head the decision was made on: the write happens only if the space is still there. */
  head: number
  /** The head after it. */
  next: number
  /** Each record once, in its last state. */
  records: HubRecordState[]
  writers: WriterState[]
  conflicts: ConflictRecord[]
  closed: { id: number; closedBy: number }[]
}

/** Records per multi-row upsert: 9 parameters each, far below SQLite's 32,766 per statement. */
const ROWS_PER_STATEMENT = 50

const UPSERT_RECORDS = {
  into: 'INSERT INTO records (space, col, key, version, deleted, value, fields, del, hlc) VALUES',
  row: '(?, ?, ?, ?, ?, ?, ?, ?, ?)',
  onConflict: `ON CONFLICT (space, col, key) DO UPDATE SET
    version = excluded.version, deleted = excluded.deleted, value = excluded.value,
    fields = excluded.fields, del = excluded.del, hlc = excluded.hlc`,
}

/** The part of a decision `batchWriter` writes. A record listed twice keeps its last state. */
export function toBatchWrite(space: string, decision: BatchDecision): BatchWrite {
  const last = new Map<string, HubRecordState>()
  for (const state of decision.records) last.set(`${state.col}\u0000${state.key}`, state)
  return {
    space,
    head: decision.head,
    next: decision.head + decision.commits.length,
    records: [...last.values()],
    writers: decision.writers,
    conflicts: decision.conflicts,
    closed: decision.closed,
  }
}

/**
 * The store's write transaction (DESIGN §3 rule 2): under the write lock (BEGIN IMMEDIATE), write
 * only if the space's head is still the decision's, then records (multi-row upserts: one statement
 * per 50 records instead of one each), watermarks, conflicts, the new head. Returns false, having
 * written nothing, when the head moved. A space written for the first time is created.
 */
export function batchWriter(db: Database, newStoreId: () => string): (write: BatchWrite) => boolean {
  const getHead = db.prepare('SELECT head FROM spaces WHERE space = ?').pluck() as Statement<[string], number>
  const insertSpace = db.prepare('INSERT INTO spaces (space, store_id, head, purged_through) VALUES (?, ?, 0, 0) ON CONFLICT (space) DO NOTHING')
  const setHead = db.prepare('UPDATE spaces SET head = ? WHERE space = ?')
  // A writer stays bound to the replica that first used it: only its watermark moves.
  const upsertWriter = db.prepare(`INSERT INTO writers (space, writer, replica, watermark) VALUES (?, ?, ?, ?)
    ON CONFLICT (space, writer) DO UPDATE SET watermark = excluded.watermark`)
  const insertConflict = db.prepare(`INSERT INTO conflicts (space, id, col, replica, private, open, closed_by, body)
    VALUES (@space, @id, @col, @replica, @private, @open, @closed_by, @body)`)
  const closeConflict = db.prepare(`UPDATE conflicts SET closed_by = @closedBy, body = json_set(body, '$.closedBy', @closedBy)
    WHERE space = @space AND id = @id`)
  // One statement per row count, prepared on first use and kept.
  const upserts = new Map<number, Statement<unknown[], unknown>>()
  const upsert = (rows: number): Statement<unknown[], unknown> => {
    let statement = upserts.get(rows)
    if (!statement) {
      const values = Array.from({ length: rows }, () => UPSERT_RECORDS.row).join(', ')
      statement = db.prepare(`${UPSERT_RECORDS.into} ${values} ${UPSERT_RECORDS.onConflict}`) as Statement<unknown[], unknown>
      upserts.set(rows, statement)
    }
    return statement
  }
  const transaction = db.transaction((write: BatchWrite): boolean => {
    const { space } = write
    let head = getHead.get(space)
    if (head === undefined) {
      insertSpace.run(space, newStoreId())
      head = 0
    }
    if (head !== write.head) return false
    // Serialized here, inside the transaction: a value JSON cannot encode aborts the whole batch.
    for (let at = 0; at < write.records.length; at += ROWS_PER_STATEMENT) {
      const chunk = write.records.slice(at, at + ROWS_PER_STATEMENT)
      const params: unknown[] = new Array(chunk.length * RECORD_COLUMNS)
      chunk.forEach((state, i) => recordRow(space, state, params, i * RECORD_COLUMNS))
      upsert(chunk.length).run(params)
    }
    for (const w of write.writers) upsertWriter.run(space, w.writer, w.replica, w.watermark)
    for (const record of write.conflicts) insertConflict.run(conflictParams(space, record))
    for (const { id, closedBy } of write.closed) closeConflict.run({ space, id, closedBy })
    setHead.run(write.next, space)
    return true
  })
  return (write) => transaction.immediate(write)
}
