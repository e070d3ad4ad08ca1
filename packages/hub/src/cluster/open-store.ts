import type { HubStore } from '@accord/core'
import type { StoreChoice } from '../cli-args.js'
import { postgresStore } from '../postgres-store.js'
import { resetSqliteStoreIds } from '../sqlite/reset-store-ids.js'
import { sqliteStore } from '../sqlite-store.js'

/** Opens the chosen store; a PostgreSQL store is migrated and reachable when this resolves. */
export async function openStore(choice: StoreChoice): Promise<HubStore> {
  if (choice.kind === 'sqlite') return sqliteStore(choice.path)
  const store = postgresStore({ schema: choice.schema, ...(choice.url === undefined ? {} : { connectionString: choice.url }) })
  try {
    await store.ready()
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}

/** Gives every space of the chosen store a new storeId (after a restore); returns how many. */
export async function resetStoreIds(choice: StoreChoice): Promise<number> {
  if (choice.kind === 'sqlite') return resetSqliteStoreIds(choice.path)
  const store = postgresStore({ schema: choice.schema, ...(choice.url === undefined ? {} : { connectionString: choice.url }) })
  try {
    return await store.resetStoreIds()
  } finally {
    await store.close()
  }
}
