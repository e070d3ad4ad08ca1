import { randomUUID } from 'node:crypto'
import type { BatchDecision, DecisionReadRequest, DecisionSnapshot, HubStore, PullQuery, SpaceInfo } from '@accord/core'
import Database from 'better-sqlite3'
import { prepareDatabase } from './sqlite/ddl.js'
import { toConflict, toPulledRecord, toRecordState, toWriterState, type SpaceRow } from './sqlite/rows.js'
import { batchWriter, toBatchWrite, type BatchWrite } from './sqlite/batch-write.js'
import { RecordReads } from './sqlite/record-reads.js'
import { prepareStatements, type Statements } from './sqlite/statements.js'

/**
 * A `HubStore` in one SQLite file (better-sqlite3, WAL, `synchronous=FULL`): the hub of one
 * machine. Every batch is one `BEGIN IMMEDIATE` transaction that checks the head under the write
 * lock, so two hub processes on one file stay correct (one of them decides again). Reads run in
 * a transaction each, so a page is one snapshot. `':memory:'` works for tests (no WAL, not durable).
 */
export function sqliteStore(path: string): HubStore {
  const db = new Database(path)
  try {
    prepareDatabase(db)
  } catch (error) {
    db.close()
    throw error
  }
  return new SqliteHubStore(db, prepareStatements(db), path)
}

class SqliteHubStore implements HubStore {
  private closed = false
  private readonly records: RecordReads
  private readonly write: (write: BatchWrite) => boolean

  constructor(
    private readonly db: Database.Database,
    private readonly sql: Statements,
    private readonly path: string,
  ) {
    this.records = new RecordReads(db)
    this.write = batchWriter(db, randomUUID)
  }

  async openSpace(space: string): Promise<SpaceInfo> {
    // The common case reads; only a space's creation takes the write lock.
    const found = this.sql.getSpace.get(space)
    return spaceInfo(found ?? this.db.transaction(() => this.ensureSpace(space)).immediate())
  }

  async bindReplica(space: string, replica: string, principal: string): Promise<'bound' | 'taken'> {
    return this.db
      .transaction((): 'bound' | 'taken' => {
        const bound = this.sql.getPrincipal.get(space, replica)
        if (bound) return bound.principal === principal ? 'bound' : 'taken'
        this.sql.insertReplica.run(space, replica, principal)
        return 'bound'
      })
      .immediate()
  }

  async watermarks(space: string, writers: string[]): Promise<{ [writer: string]: number }> {
    return this.db.transaction(() => {
      const out: { [writer: string]: number } = {}
      for (const writer of writers) {
        const row = this.sql.getWriter.get(space, writer)
        if (row) out[writer] = row.watermark
      }
      return out
    })()
  }

  async readForDecision(space: string, request: DecisionReadRequest): Promise<DecisionSnapshot> {
    return this.db.transaction((): DecisionSnapshot => {
      const snapshot: DecisionSnapshot = { head: this.sql.getSpace.get(space)?.head ?? 0, records: [], writers: [], conflicts: [] }
      for (const row of this.records.read(space, request.records)) snapshot.records.push(toRecordState(row))
      for (const writer of request.writers) {
        const row = this.sql.getWriter.get(space, writer)
        if (row) snapshot.writers.push(toWriterState(row))
      }
      for (const id of request.conflicts) {
        const row = this.sql.getConflict.get(space, id)
        if (row) snapshot.conflicts.push(toConflict(row.body))
      }
      return snapshot
    })()
  }

  async commitBatch(space: string, decision: BatchDecision): Promise<boolean> {
    return this.write(toBatchWrite(space, decision))
  }

  async pull(space: string, query: PullQuery): Promise<Awaited<ReturnType<HubStore['pull']>>> {
    return this.db.transaction(() => {
      const head = this.sql.getSpace.get(space)?.head ?? 0
      const cols = query.cols === undefined ? null : JSON.stringify(query.cols)
      const rows = this.sql.pageRecords.all({ space, since: query.since, cols, limit: query.limit + 1 })
      const more = rows.length > query.limit
      const page = more ? rows.slice(0, query.limit) : rows
      const until = more ? (page[page.length - 1]?.version ?? head) : head
      const conflicts = this.sql.pageConflicts.all({ space, since: query.since, until, replica: query.replica, cols }).map((r) => toConflict(r.body))
      const watermarks: { [writer: string]: number } = {}
      for (const row of this.sql.writersOfReplica.all(space, query.replica)) watermarks[row.writer] = row.watermark
      return { records: page.map(toPulledRecord), conflicts, watermarks, until, head, more }
    })()
  }

  async purge(space: string, throughSeq: number): Promise<void> {
    this.db
      .transaction(() => {
        const info = this.ensureSpace(space)
        const through = Math.min(throughSeq, info.head)
        if (through <= info.purged_through) return
        this.sql.purgeTombstones.run(space, through)
        this.sql.purgeConflicts.run({ space, through })
        this.sql.setPurged.run(through, space)
      })
      .immediate()
  }

  async health(): Promise<{ ok: boolean; spaces: number; detail?: string }> {
    if (this.closed) return { ok: false, spaces: 0, detail: 'closed' }
    try {
      return { ok: true, spaces: this.sql.countSpaces.get()?.n ?? 0, detail: `sqlite ${this.path}` }
    } catch (error) {
      return { ok: false, spaces: 0, detail: error instanceof Error ? error.message : String(error) }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.db.close()
  }

  /** The space's row, created with a fresh storeId on first use. Call inside a write transaction. */
  private ensureSpace(space: string): SpaceRow {
    const found = this.sql.getSpace.get(space)
    if (found) return found
    this.sql.insertSpace.run(space, randomUUID())
    return this.sql.getSpace.get(space) as SpaceRow
  }
}

function spaceInfo(row: SpaceRow): SpaceInfo {
  return { space: row.space, storeId: row.store_id, head: row.head, purgedThrough: row.purged_through }
}
