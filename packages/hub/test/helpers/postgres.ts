import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The PostgreSQL the tests use: `ACCORD_PG_URL`, or this machine's (trust auth, database `test`). */
export const PG_URL = process.env['ACCORD_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The Redis the cluster tests use: `ACCORD_REDIS_URL`, or this machine's. */
export const REDIS_URL = process.env['ACCORD_REDIS_URL'] ?? 'redis://127.0.0.1:6379'

/** A schema name no other test run uses: each test file (or test) gets its own tables. */
export function freshSchemaName(prefix = 'accord_t'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`
}

/** Drops a test schema and everything in it. Refuses names that are not test schemas. */
export async function dropSchema(name: string): Promise<void> {
  if (!/^accord_t[a-z0-9_]*$/.test(name)) throw new Error(`refusing to drop ${name}: not a test schema`)
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)
  } finally {
    await client.end()
  }
}
