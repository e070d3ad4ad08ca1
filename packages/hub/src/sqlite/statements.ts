import type { Database, Statement as Stmt } from 'better-sqlite3'
import type { RecordRow, SpaceRow, WriterRow } from './rows.js'

/** Every statement of the store but its batch writes (`batch-write.ts`), prepared once per connection. */
export function prepareStatements(db: Database) {
  return {
    getSpace: db.prepare('SELECT space, store_id, head, purged_through FROM spaces WHERE space = ?') as Stmt<[string], SpaceRow>,
    insertSpace: db.prepare('INSERT INTO spaces (space, store_id, head, purged_through) VALUES (?, ?, 0, 0) ON CONFLICT (space) DO NOTHING') as Stmt<unknown[], unknown>,
    setPurged: db.prepare('UPDATE spaces SET purged_through = ? WHERE space = ?') as Stmt<unknown[], unknown>,
    countSpaces: db.prepare('SELECT count(*) AS n FROM spaces') as Stmt<[], { n: number }>,

    getPrincipal: db.prepare('SELECT principal FROM replicas WHERE space = ? AND replica = ?') as Stmt<[string, string], { principal: string }>,
    insertReplica: db.prepare('INSERT INTO replicas (space, replica, principal) VALUES (?, ?, ?)') as Stmt<unknown[], unknown>,

    pageRecords: db.prepare(`
      SELECT col, key, version, deleted, value, fields, del, hlc FROM records
      WHERE space = @space AND version > @since
        AND (@cols IS NULL OR col IN (SELECT value FROM json_each(@cols)))
      ORDER BY version LIMIT @limit`) as Stmt<[{ space: string; since: number; cols: string | null; limit: number }], RecordRow>,
    purgeTombstones: db.prepare('DELETE FROM records WHERE space = ? AND deleted = 1 AND version <= ?') as Stmt<unknown[], unknown>,

    getWriter: db.prepare('SELECT writer, replica, watermark FROM writers WHERE space = ? AND writer = ?') as Stmt<[string, string], WriterRow>,
    writersOfReplica: db.prepare('SELECT writer, replica, watermark FROM writers WHERE space = ? AND replica = ?') as Stmt<[string, string], WriterRow>,

    getConflict: db.prepare('SELECT body FROM conflicts WHERE space = ? AND id = ?') as Stmt<[string, number], { body: string }>,
    pageConflicts: db.prepare(`
      SELECT body FROM conflicts
      WHERE space = @space
        AND ((id > @since AND id <= @until) OR (closed_by > @since AND closed_by <= @until))
        AND (private = 0 OR replica = @replica)
        AND (@cols IS NULL OR col IN (SELECT value FROM json_each(@cols)))
      ORDER BY id`) as Stmt<[{ space: string; since: number; until: number; replica: string; cols: string | null }], { body: string }>,
    purgeConflicts: db.prepare(`
      DELETE FROM conflicts
      WHERE space = @space AND NOT (open = 1 AND closed_by IS NULL) AND max(id, coalesce(closed_by, 0)) <= @through`) as Stmt<unknown[], unknown>,
  }
}

export type Statements = ReturnType<typeof prepareStatements>
