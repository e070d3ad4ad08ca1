import type { Pool } from 'pg'
import { inTransaction } from './transaction.js'

interface Migration {
  version: number
  name: string
  /** DDL for the quoted schema `s`. */
  sql(s: string): string
}

/**
 * The store's tables, one migration per version, applied in order and recorded in
 * `<schema>.migrations`. Never edit a released migration: add the next one.
 *
 * JSON lives in `text` columns, not `jsonb`: jsonb reorders object keys and refuses `\u0000` in
 * strings, which JSON (and so a replica's value) allows; the store must give back what it was given.
 * Versions are seqs, unique within a space, so `(space, version)` orders catch-up pages exactly.
 */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial tables',
    sql: (s) => `
      CREATE TABLE ${s}.spaces (
        space text PRIMARY KEY,
        store_id text NOT NULL,
        head bigint NOT NULL,
        purged_through bigint NOT NULL
      );
      CREATE TABLE ${s}.records (
        space text NOT NULL,
        col text NOT NULL,
        key text NOT NULL,
        version bigint NOT NULL,
        deleted boolean NOT NULL,
        value text NOT NULL,
        fields text NOT NULL,
        del text,
        hlc text NOT NULL,
        PRIMARY KEY (space, col, key)
      );
      CREATE INDEX records_by_version ON ${s}.records (space, version);
      CREATE TABLE ${s}.writers (
        space text NOT NULL,
        writer text NOT NULL,
        replica text NOT NULL,
        watermark bigint NOT NULL,
        PRIMARY KEY (space, writer)
      );
      CREATE INDEX writers_by_replica ON ${s}.writers (space, replica);
      CREATE TABLE ${s}.replicas (
        space text NOT NULL,
        replica text NOT NULL,
        principal text NOT NULL,
        PRIMARY KEY (space, replica)
      );
      CREATE TABLE ${s}.conflicts (
        space text NOT NULL,
        id bigint NOT NULL,
        col text NOT NULL,
        replica text NOT NULL,
        private boolean NOT NULL,
        open boolean NOT NULL,
        closed_by bigint,
        body text NOT NULL,
        PRIMARY KEY (space, id)
      );
      CREATE INDEX conflicts_by_close ON ${s}.conflicts (space, closed_by) WHERE closed_by IS NOT NULL;`,
  },
]

/** The newest migration this code knows. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length

/**
 * Creates the schema and brings its tables to `POSTGRES_SCHEMA_VERSION`, in one transaction under
 * an advisory lock, so hub processes starting together migrate once. Refuses a schema migrated by
 * a newer hub (its tables may mean something this code does not know).
 */
export async function migrate(pool: Pool, schemaName: string, quoted: string): Promise<void> {
  await inTransaction(pool, 'write', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`accord-migrate:${schemaName}`])
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`)
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const { rows } = await client.query<{ v: number }>(`SELECT coalesce(max(version), 0)::integer AS v FROM ${quoted}.migrations`)
    const current = rows[0]?.v ?? 0
    if (current > POSTGRES_SCHEMA_VERSION) {
      throw new Error(`postgres schema ${schemaName} is at migration ${current}; this hub knows up to ${POSTGRES_SCHEMA_VERSION}: upgrade the hub`)
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue
      await client.query(migration.sql(quoted))
      await client.query(`INSERT INTO ${quoted}.migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name])
    }
  })
}
