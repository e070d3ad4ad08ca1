import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import { prepareDatabase } from './ddl.js'

/**
 * Gives every space of a SQLite store file a new random storeId, in one transaction; returns how
 * many spaces changed. Run it with every hub stopped, after restoring a backup: replicas then see a
 * storeId they do not know and re-pull from 0 instead of trusting cursors the restore invalidated.
 */
export function resetSqliteStoreIds(path: string): number {
  const db = new Database(path, { fileMustExist: true })
  try {
    prepareDatabase(db)
    const spaces = db.prepare('SELECT space FROM spaces').pluck().all() as string[]
    const update = db.prepare('UPDATE spaces SET store_id = ? WHERE space = ?')
    db.transaction(() => {
      for (const space of spaces) update.run(randomUUID(), space)
    }).immediate()
    return spaces.length
  } finally {
    db.close()
  }
}
