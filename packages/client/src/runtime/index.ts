// Public surface of @accord/client/runtime: the replica runtime hosts embed (a worker, or the page
// itself with `worker: false`), its storage and its transport pieces.
import { LocalRuntime } from './local-runtime.js'
import type { LocalRuntimeOptions } from './runtime-options.js'

export { LocalRuntime } from './local-runtime.js'
export type { LocalRuntimeOptions } from './runtime-options.js'
export { DexieReplicaStore } from './store/dexie-replica-store.js'
export type { DexieReplicaStoreOptions, Durability } from './store/dexie-replica-store.js'
export { ConnectionLoop, ConnectFailure } from './sync/connection-loop.js'
export type { ConnectionLoopDelegate, ConnectionLoopOptions, LoopConnection, LoopState } from './sync/connection-loop.js'
export { backoffDelay } from './sync/backoff.js'
export type { BackoffOptions } from './sync/backoff.js'
export type { SocketSessionOptions } from './sync/socket-session.js'
export { silentLogger } from './logger.js'
export type { LogFields, Logger } from './logger.js'
export type { IndexedDbFactory, KeyRangeClass, RuntimeTimers, StorageManagerLike } from './platform.js'

/**
 * Creates the runtime of one replica for `schema`. Open it with `open(request, client)`; until the
 * host says otherwise it is its own leader (in-process use). In Node pass `indexedDB` and
 * `IDBKeyRange` from fake-indexeddb.
 */
export function createLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  return new LocalRuntime(options)
}
