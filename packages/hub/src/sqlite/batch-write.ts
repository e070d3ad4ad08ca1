import type { BatchDecision, HubRecordState } from '@accord/core'
import type { Database, Statement } from 'better-sqlite3'
import { conflictParams, recordRow } from './rows.js'

/**
 * One decision as the write transaction binds it: every value already serialized (so a value JSON
 * cannot encode fails here, before anything is written), in plain arrays and objects that cross
 * to a worker thread cheaply. `records` and `writers` are rows laid end to end.
 */
export interface BatchWrite {
  space: string
  /** The head the decision was made on: the write happens only if the space is still there. */
  head: number
  /** The head after it. */
  next: number
  /** `RECORD_COLUMNS` values per record, each record once, in its last state. */
  records: unknown[]
  /** (space, writer, replica, watermark) per writer. */
  writers: unknown[]
  conflicts: Record<string, string | number | null>[]
  closed: { space: string; id: number; closedBy: number }[]
}

/** What `batchWriter` prepares its statements from (plain data: it is sent to the writer thread). */
export interface BatchWriterConfig {
  sql: typeof WRITE_SQL
  /** Records per multi-row upsert statement. */
  rowsPerStatement: number
  recordColumns: number
}

/** Values per record row: space, col, key, version, deleted, value, fields, del, hlc. */
const RECORD_COLUMNS = 9

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
export const WRITER_CONFIG: BatchWriterConfig = { sql: WRITE_SQL, rowsPerStatement: 50, recordColumns: RECORD_COLUMNS }

/** Serializes a decision for `batchWriter`. A record listed twice keeps its last state. */
export function toBatchWrite(space: string, decision: BatchDecision): BatchWrite {
  const last = new Map<string, HubRecordState>()
  for (const state of decision.records) last.set(`${state.col}\u0000${state.key}`, state)
  const records: unknown[] = []
  for (const state of last.values()) records.push(...recordRow(space, state))
  const writers: unknown[] = []
  for (const w of decision.writers) writers.push(space, w.writer, w.replica, w.watermark)
  return {
    space,
    head: decision.head,
    next: decision.head + decision.commits.length,
    records,
    writers,
    conflicts: decision.conflicts.map((record) => conflictParams(space, record)),
    closed: decision.closed.map(({ id, closedBy }) => ({ space, id, closedBy })),
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
    let head = getHead.get(write.space)
    if (head === undefined) {
      insertSpace.run(write.space, newStoreId())
      head = 0
    }
    if (head !== write.head) return false
    const width = config.recordColumns
    const chunk = config.rowsPerStatement * width
    for (let at = 0; at < write.records.length; at += chunk) {
      const params = write.records.slice(at, at + chunk)
      upsert(params.length / width).run(params)
    }
    for (let at = 0; at < write.writers.length; at += 4) upsertWriter.run(write.writers.slice(at, at + 4))
    for (const params of write.conflicts) insertConflict.run(params)
    for (const params of write.closed) closeConflict.run(params)
    setHead.run(write.next, write.space)
    return true
  })
  return (write) => transaction.immediate(write)
}
