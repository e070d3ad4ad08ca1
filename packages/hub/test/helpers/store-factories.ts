import { join } from 'node:path'
import type { HubStore } from '@accord/core'
import { postgresStore, sqliteStore } from '../../src/index.js'
import { PG_URL, dropSchema, freshSchemaName } from './postgres.js'

/** A store for one test hub, and how to remove what it left behind (after the hub closed it). */
export interface OpenedStore {
  store: HubStore
  drop(): Promise<void>
}

/** One kind of store the hub suites run on. */
export interface StoreFactory {
  name: 'sqlite' | 'postgres'
  /** A fresh, empty store; `dir` is the test's temporary directory. */
  open(dir: string): Promise<OpenedStore>
}

const ALL: StoreFactory[] = [
  { name: 'sqlite', open: async (dir) => ({ store: sqliteStore(join(dir, 'hub.db')), drop: async () => undefined }) },
  {
    name: 'postgres',
    open: async () => {
      // A schema of its own per hub: tests never share state, and the schema is dropped after.
      const schema = freshSchemaName()
      const store = postgresStore({ connectionString: PG_URL, schema })
      await store.ready()
      return { store, drop: () => dropSchema(schema) }
    },
  },
]

/**
 * The stores the hub's integration and hostile-input suites run on: all of them, unless
 * `ACCORD_TEST_STORES` names fewer (e.g. `sqlite` on a laptop without PostgreSQL).
 */
export const storeFactories: StoreFactory[] = (() => {
  const wanted = process.env['ACCORD_TEST_STORES']?.split(',').map((s) => s.trim())
  return wanted ? ALL.filter((f) => wanted.includes(f.name)) : ALL
})()
