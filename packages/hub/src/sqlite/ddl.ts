import type { Database } from 'better-sqlite3'

/** Schema version of the SQLite file (`PRAGMA user_version`). */
export const SQLITE_SCHEMA_VERSION = 1

/**
 * Tables of a hub store. Versions are seqs: unique within a space, so `(space, version)` orders
 * catch-up pages exactly. JSON columns hold values as sent (`value`), field metadata (`fields`,
 * `del`) and whole ConflictRecords (`body`); the columns beside them exist for lookups.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS spaces (
  space TEXT PRIMARY KEY,
  store_id TEXT NOT NULL,
  head INTEGER NOT NULL,
  purged_through INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS records (
  space TEXT NOT NULL,
  col TEXT NOT NULL,
  key TEXT NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  value TEXT NOT NULL,
  fields TEXT NOT NULL,
  del TEXT,
  hlc TEXT NOT NULL,
  PRIMARY KEY (space, col, key)
) STRICT;
CREATE INDEX IF NOT EXISTS records_by_version ON records (space, version);
CREATE TABLE IF NOT EXISTS writers (
  space TEXT NOT NULL,
  writer TEXT NOT NULL,
  replica TEXT NOT NULL,
  watermark INTEGER NOT NULL,
  PRIMARY KEY (space, writer)
) STRICT;
CREATE INDEX IF NOT EXISTS writers_by_replica ON writers (space, replica);
CREATE TABLE IF NOT EXISTS replicas (
  space TEXT NOT NULL,
  replica TEXT NOT NULL,
  principal TEXT NOT NULL,
  PRIMARY KEY (space, replica)
) STRICT;
CREATE TABLE IF NOT EXISTS conflicts (
  space TEXT NOT NULL,
  id INTEGER NOT NULL,
  col TEXT NOT NULL,
  replica TEXT NOT NULL,
  private INTEGER NOT NULL,
  open INTEGER NOT NULL,
  closed_by INTEGER,
  body TEXT NOT NULL,
  PRIMARY KEY (space, id)
) STRICT;
CREATE INDEX IF NOT EXISTS conflicts_by_close ON conflicts (space, closed_by) WHERE closed_by IS NOT NULL;
`

/**
 * Opens the file's durability settings and tables. WAL lets catch-up pages read while a batch
 * writes; `synchronous=FULL` is set explicitly because a reopened WAL connection defaults to
 * NORMAL, which can lose the last acknowledged batches on power loss.
 */
export function prepareDatabase(db: Database): void {
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > SQLITE_SCHEMA_VERSION) {
    throw new Error(`the store file has schema version ${version}; this hub knows up to ${SQLITE_SCHEMA_VERSION}`)
  }
  db.exec(DDL)
  db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`)
}
