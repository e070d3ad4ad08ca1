/**
 * What a bench hub child runs on: the store (SQLite file, or PostgreSQL for several hub processes
 * on one store) and, for several processes, the Socket.IO Redis adapter that carries each space's
 * broadcasts to the sockets of every process. The multi-hub hook of BENCHMARKS.md: start 1–3
 * `hub` children with the same `postgres` store and `redisUrl`, spread the clients over them.
 */
import type { HubStore } from '@accord/core'
import { postgresStore, sqliteStore } from '@accord/hub'
import { createAdapter } from '@socket.io/redis-adapter'
import { createClient } from 'redis'
import type { ServerOptions } from 'socket.io'

export type HubStoreSpec =
  | { kind: 'sqlite'; path: string }
  /** PostgreSQL schema per run (created if missing), so runs never share tables. */
  | { kind: 'postgres'; connectionString: string; schema: string }

/** Opens the store; a PostgreSQL one is migrated when this resolves. */
export async function openHubStore(spec: HubStoreSpec): Promise<HubStore> {
  if (spec.kind === 'sqlite') return sqliteStore(spec.path)
  const store = postgresStore({ connectionString: spec.connectionString, schema: spec.schema })
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

/** The Socket.IO Redis adapter over two connections to `url` (pub/sub needs its own). */
export async function connectRedisAdapter(url: string, key: string): Promise<RedisAdapter> {
  const pub = createClient({ url })
  const sub = pub.duplicate()
  for (const client of [pub, sub]) client.on('error', () => undefined)
  await Promise.all([pub.connect(), sub.connect()])
  return {
    adapter: createAdapter(pub, sub, { key }),
    close: async () => {
      await Promise.allSettled([pub.quit(), sub.quit()])
    },
  }
}
