/**
 * P5's raw baseline: the rows the hub wrote, inserted again by better-sqlite3 into a fresh file
 * with the same table definition, the same journal and durability settings, `batch` rows per
 * transaction. Nothing else: no decision, no watermarks, no socket.
 */
import Database from 'better-sqlite3'

export interface RawInsertRequest {
  /** The hub's SQLite file (closed), whose `records` rows are copied. */
  source: string
  /** Only this space's rows. */
  space: string
  /** A fresh file to insert them into. */
  target: string
  batch: number
  synchronous: 'FULL' | 'NORMAL'
}

export interface RawInsertResult {
  rows: number
  ms: number
  rowsPerSecond: number
  transactions: number
}

export function insertRowsRaw(request: RawInsertRequest): RawInsertResult {
  const source = new Database(request.source, { readonly: true })
  const ddl = source
    .prepare("SELECT sql FROM sqlite_master WHERE tbl_name = 'records' AND sql IS NOT NULL ORDER BY type DESC")
    .all() as Array<{ sql: string }>
  const rows = source.prepare('SELECT space, col, key, version, deleted, value, fields, del, hlc FROM records WHERE space = ? ORDER BY version').raw().all(request.space) as unknown[][]
  source.close()

  const db = new Database(request.target)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${request.synchronous}`)
  for (const { sql } of ddl) db.exec(sql)
  const insert = db.prepare('INSERT INTO records (space, col, key, version, deleted, value, fields, del, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
  const insertBatch = db.transaction((batch: unknown[][]) => {
    for (const row of batch) insert.run(row)
  })
  let transactions = 0
  const started = performance.now()
  for (let i = 0; i < rows.length; i += request.batch) {
    insertBatch.immediate(rows.slice(i, i + request.batch))
    transactions += 1
  }
  const ms = performance.now() - started
  db.close()
  return { rows: rows.length, ms, rowsPerSecond: (rows.length / ms) * 1000, transactions }
}
