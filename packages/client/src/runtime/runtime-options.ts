import type { Schema } from '@accord/core'
import type { Logger } from './logger.js'
import type { IndexedDbFactory, KeyRangeClass, RuntimeTimers, StorageManagerLike } from './platform.js'
import type { Durability } from './store/dexie-replica-store.js'
import type { BackoffOptions } from './sync/backoff.js'
import type { SocketSessionOptions } from './sync/socket-session.js'

/** Everything a runtime is built from; all but `schema` have defaults. */
export interface LocalRuntimeOptions {
  /** The app's shared schema module's `schema`. */
  schema: Schema
  /** IndexedDB to use instead of the global one (fake-indexeddb in Node). */
  indexedDB?: IndexedDbFactory
  IDBKeyRange?: KeyRangeClass
  timers?: RuntimeTimers
  /** Transaction durability; `strict` by default (an `OpenRequest.strictDurability` overrides it). */
  durability?: Durability
  logger?: Logger
  randomId?: () => string
  /** Jitter source in [0, 1). */
  random?: () => number
  /** `navigator.storage` by default; `null` never asks. */
  storage?: StorageManagerLike | null
  socket?: SocketSessionOptions
  backoff?: BackoffOptions
  /** How often the leader re-reads the outbox for writes of other runtimes. Default 2,000 ms. */
  outboxPollMs?: number
  /** The engine's wait for a commit gap to fill before pulling. Default 200 ms. */
  gapGraceMs?: number
  /** Records per catch-up page asked of the hub (which may lower it). Default 1,000, the hub's default cap. */
  pullLimit?: number
  /** Whether this runtime starts as the leader. Default true (in-process). */
  leader?: boolean
}
