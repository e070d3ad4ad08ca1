import type { Pool, PoolClient } from 'pg'

/** How a transaction begins: its isolation level and whether it writes. */
export type TransactionMode = 'write' | 'snapshot'

const BEGIN: Record<TransactionMode, string> = {
  // Writers serialize on the space's row lock; READ COMMITTED lets a waiter see the new head.
  write: 'BEGIN ISOLATION LEVEL READ COMMITTED',
  // Every statement of a snapshot transaction reads as of its first statement.
  snapshot: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
}

/**
 * Runs `work` in one transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when
 * it throws (and rethrows). `extra` runs right after BEGIN (e.g. `SET LOCAL`). A connection whose
 * ROLLBACK failed is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(pool: Pool, mode: TransactionMode, work: (client: PoolClient) => Promise<T>, extra?: string): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query(extra === undefined ? BEGIN[mode] : `${BEGIN[mode]}; ${extra}`)
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))
    })
    throw error
  } finally {
    client.release(broken)
  }
}
