import type { HlcClock, HubStore, Schema } from '@accord/core'
import type { BatchGroups } from './batch-groups.js'
import type { ConnectionRegistry } from './connection-registry.js'
import type { ResolvedLimits } from './limits.js'
import type { Logger } from './logger.js'
import type { RetentionClock } from './retention.js'
import type { InflightTracker, KeyedSerialQueue } from './serial-queue.js'
import type { AuthenticateFn, AuthorizeFn, HubServer } from './types.js'

/** The parts of a running hub that its handlers share. */
export interface HubContext {
  schema: Schema
  store: HubStore
  clock: HlcClock
  limits: ResolvedLimits
  authenticate: AuthenticateFn | undefined
  authorize: AuthorizeFn | undefined
  logger: Logger
  /** One batch per space at a time. */
  batches: KeyedSerialQueue
  /** Pushes, settled on `batches` in groups (one store write for the pushes waiting for a space). */
  ingest: BatchGroups
  /** Requests being answered, acknowledgement included. */
  inflight: InflightTracker
  registry: ConnectionRegistry
  /** Which seqs are past the retention period. */
  retention: RetentionClock
  io: HubServer
  /** Several hub processes share the store (an adapter was given): look beyond this process. */
  clustered: boolean
  /** Set by `close()`: new connections and pushes are refused with `closed`. */
  closing: boolean
}
