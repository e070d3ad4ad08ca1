import type { HubRecordState } from '@accord/core'
import type { Database, Statement } from 'better-sqlite3'
import { recordRow } from './rows.js'

/** Rows per multi-row upsert: 9 parameters each, far below SQLite's limit of 32,766 per statement. */
const ROWS_PER_STATEMENT = 50

const COLUMNS = '(space, col, key, version, deleted, value, fields, del, hlc)'
const ON_CONFLICT = `ON CONFLICT (space, col, key) DO UPDATE SET
  version = excluded.version, deleted = excluded.deleted, value = excluded.value,
  fields = excluded.fields, del = excluded.del, hlc = excluded.hlc`

/**
 * Writes record states with multi-row upserts: one statement per 50 records instead of one per
 * record (each statement run costs a native call, a bind and a reset). A statement per row count
 * is prepared on first use and kept. A record given twice keeps its last state, as if written in
 * order. Serializing here, inside the caller's transaction, means a value that cannot be encoded
 * aborts the whole batch.
 */
export class RecordUpserts {
  private readonly statements = new Map<number, Statement<unknown[], unknown>>()

  constructor(private readonly db: Database) {}

  write(space: string, states: readonly HubRecordState[]): void {
    const rows = lastStates(states)
    for (let at = 0; at < rows.length; at += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(at, at + ROWS_PER_STATEMENT)
      const params: unknown[] = []
      for (const state of chunk) params.push(...recordRow(space, state))
      this.statement(chunk.length).run(params)
    }
  }

  private statement(rows: number): Statement<unknown[], unknown> {
    let statement = this.statements.get(rows)
    if (!statement) {
      const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')
      statement = this.db.prepare(`INSERT INTO records ${COLUMNS} VALUES ${values} ${ON_CONFLICT}`) as Statement<unknown[], unknown>
      this.statements.set(rows, statement)
    }
    return statement
  }
}

/** Each record once, in its last state (a decision lists each once; a merged one may not). */
function lastStates(states: readonly HubRecordState[]): HubRecordState[] {
  const last = new Map<string, HubRecordState>()
  for (const state of states) {
    last.set(`${state.col}\u0000${state.key}`, state)
  }
  return [...last.values()]
}
