import type { Database, Statement } from 'better-sqlite3'
import type { RecordRow } from './rows.js'

/** Keys per multi-key read: one statement per 100 records of a collection instead of one each. */
const KEYS_PER_STATEMENT = 100

/**
 * Reads the records a batch may touch, a collection's keys at a time (`key IN (…)`), in the
 * caller's read transaction. A statement per key count is prepared on first use and kept.
 */
export class RecordReads {
  private readonly statements = new Map<number, Statement<unknown[], RecordRow>>()

  constructor(private readonly db: Database) {}

  read(space: string, records: readonly { col: string; key: string }[]): RecordRow[] {
    const keysByCol = new Map<string, string[]>()
    for (const { col, key } of records) {
      const keys = keysByCol.get(col)
      if (keys) keys.push(key)
      else keysByCol.set(col, [key])
    }
    const rows: RecordRow[] = []
    for (const [col, keys] of keysByCol) {
      for (let at = 0; at < keys.length; at += KEYS_PER_STATEMENT) {
        const chunk = keys.slice(at, at + KEYS_PER_STATEMENT)
        rows.push(...this.statement(chunk.length).all(space, col, ...chunk))
      }
    }
    return rows
  }

  private statement(keys: number): Statement<unknown[], RecordRow> {
    let statement = this.statements.get(keys)
    if (!statement) {
      const list = Array.from({ length: keys }, () => '?').join(', ')
      statement = this.db.prepare(
        `SELECT col, key, version, deleted, value, fields, del, hlc FROM records WHERE space = ? AND col = ? AND key IN (${list})`,
      ) as Statement<unknown[], RecordRow>
      this.statements.set(keys, statement)
    }
    return statement
  }
}
