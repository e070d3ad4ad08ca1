/**
 * What a bench hub child runs on: the store (SQLite file, or PostgreSQL for several hub processes
 * on one store) and, for several processes, the Socket.IO Redis adapter that carries each space's
 * broadcasts to the sockets of every process. The multi-hub hook of BENCHMARKS.md: start 1–3
 * `hub` children with the same `postgres` store and `redisUrl`, spread the clients over them.
 */
import type { HubStore } from '@accord/core'
import { connectRedisBroadcast, postgresStore, sqliteStore } from '@accord/hub'
import type { ServerOptions } from 'socket.io'

export type HubStoreSpec =
  | { kind: 'sqlite'; path: string }
  /** PostgreSQL schema per run (created if missing), so runs never share tables. */
  | {
      kind: 'postgres'
      connectionString: string
      schema: string
      /**
       * The pool's `application_name`: the scale-out figures find this hub's PostgreSQL backends by
       * it (pg_stat_activity) to read their CPU time.
       */
      applicationName?: string
    }

/** Opens the store; a PostgreSQL one is migrated when this resolves. */
export async function openHubStore(spec: HubStoreSpec): Promise<HubStore> {
  if (spec.kind === 'sqlite') return sqliteStore(spec.path)
  const store = postgresStore({
    connectionString: spec.connectionString,
    schema: spec.schema,
    // Idle connections are kept: a backend that exits mid-measurement would take its CPU time with it.
    pool: { idleTimeoutMillis: 0, ...(spec.applicationName === undefined ? {} : { application_name: spec.applicationName }) },
  })
  try {
    await store.ready()
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}

export interface RedisAdapter {
  adapter: NonNullable<ServerOptions['adapter']>
  close(): Promise<void>
}

/**
 * The Socket.IO Redis adapter as the hub's CLI wires it (`connectRedisBroadcast`: two connections,
 * the adapter's discarded command promises handled), so the figures measure what a cluster runs.
 */
export async function connectRedisAdapter(url: string, key: string): Promise<RedisAdapter> {
  const redis = await connectRedisBroadcast({ url, key })
  return { adapter: redis.adapter, close: () => redis.close() }
}
