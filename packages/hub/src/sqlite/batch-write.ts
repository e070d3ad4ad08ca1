import type { BatchDecision, ConflictRecord, HubRecordState, WriterState } from '@accord/core'
import type { Database, Statement } from 'better-sqlite3'

/**
 * What the write transaction needs of a decision: plain data that crosses to the writer thread by
 * structured clone (cheaper there than JSON on the hub's thread; the thread serializes the rows).
 */
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

/** What `batchWriter` prepares its statements from (plain data: it is sent to the writer thread). */
export interface BatchWriterConfig {
  sql: typeof WRITE_SQL
  /** Records per multi-row upsert statement. */
  rowsPerStatement: number
}

export const WRITE_SQL = {
  getHead: 'SELECT head FROM spaces WHERE space = ?',
  insertSpace: 'INSERT INTO spaces (space, store_id, head, purged_through) VALUES (?, ?, 0, 0) ON CONFLICT (space) DO NOTHING',
  setHead: 'UPDATE spaces SET head = ? WHERE space = ?',
  upsertRecordsInto: 'INSERT INTO records (space, col, key, version, deleted, value, fields, del, hlc) VALUES',
  upsertRecordsRow: '(?, ?, ?, ?, ?, ?, ?, ?, ?)',
  upsertRecordsOnConflict: `ON CONFLICT (space, col, key) DO UPDATE SET
    version = excluded.version, deleted = excluded.deleted, value = excluded.value,
    fields = excluded.fields, del = excluded.del, hlc = excluded.hlc`,
  // A writer stays bound to the replica that first used it: only its watermark moves.
  upsertWriter: `INSERT INTO writers (space, writer, replica, watermark) VALUES (?, ?, ?, ?)
    ON CONFLICT (space, writer) DO UPDATE SET watermark = excluded.watermark`,
  insertConflict: `INSERT INTO conflicts (space, id, col, replica, private, open, closed_by, body)
    VALUES (@space, @id, @col, @replica, @private, @open, @closed_by, @body)`,
  closeConflict: `UPDATE conflicts SET closed_by = @closedBy, body = json_set(body, '$.closedBy', @closedBy)
    WHERE space = @space AND id = @id`,
}

/** Records per multi-row upsert: 9 parameters each, far below SQLite's 32,766 per statement. */
export const WRITER_CONFIG: BatchWriterConfig = { sql: WRITE_SQL, rowsPerStatement: 50 }

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
 *
 * It runs on the hub's connection or in the writer thread (`write-thread.ts`), whose source is
 * this function's text: so it must use nothing but its parameters (no imports, no module constants).
 */
export function batchWriter(db: Database, config: BatchWriterConfig, newStoreId: () => string): (write: BatchWrite) => boolean {
  const { sql } = config
  const getHead = db.prepare(sql.getHead).pluck() as Statement<[string], number>
  const insertSpace = db.prepare(sql.insertSpace)
  const setHead = db.prepare(sql.setHead)
  const upsertWriter = db.prepare(sql.upsertWriter)
  const insertConflict = db.prepare(sql.insertConflict)
  const closeConflict = db.prepare(sql.closeConflict)
  // One statement per row count, prepared on first use and kept.
  const upserts = new Map<number, Statement<unknown[], unknown>>()
  const upsert = (rows: number): Statement<unknown[], unknown> => {
    let statement = upserts.get(rows)
    if (!statement) {
      const values = Array.from({ length: rows }, () => sql.upsertRecordsRow).join(', ')
      statement = db.prepare(`${sql.upsertRecordsInto} ${values} ${sql.upsertRecordsOnConflict}`) as Statement<unknown[], unknown>
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
    for (let at = 0; at < write.records.length; at += config.rowsPerStatement) {
      const chunk = write.records.slice(at, at + config.rowsPerStatement)
      const params: unknown[] = []
      for (const state of chunk) {
        // The row's hlc: the highest of its fields' and its delete's, which a pulling replica's clock follows.
        let hlc = state.del?.hlc ?? ''
        for (const meta of Object.values(state.fields)) if (meta.hlc > hlc) hlc = meta.hlc
        const del = state.del === undefined ? null : JSON.stringify(state.del)
        params.push(space, state.col, state.key, state.version, state.deleted ? 1 : 0, JSON.stringify(state.value), JSON.stringify(state.fields), del, hlc)
      }
      upsert(chunk.length).run(params)
    }
    for (const w of write.writers) upsertWriter.run(space, w.writer, w.replica, w.watermark)
    for (const record of write.conflicts) {
      const body = JSON.stringify(record)
      insertConflict.run({ space, id: record.id, col: record.col, replica: record.by, private: record.private ? 1 : 0, open: record.open ? 1 : 0, closed_by: record.closedBy ?? null, body })
    }
    for (const { id, closedBy } of write.closed) closeConflict.run({ space, id, closedBy })
    setHead.run(write.next, space)
    return true
  })
  return (write) => transaction.immediate(write)
}
