// Public surface of @accord/client: the main-thread API.
export { openReplica } from './open-replica.js'
export type { HubOptions, OpenReplicaOptions } from './open-replica.js'
export type { WorkerHost } from './connect.js'
export type {
  AnyRecord,
  Collection,
  ElementOf,
  FieldCondition,
  FieldOf,
  FieldsOfType,
  Patch,
  Query,
  Replica,
  ResolutionValues,
  Transaction,
  TransactionCollection,
} from './types.js'
export type { ConnectionState, ReplicaStatus } from '../shared/worker-api.js'
export { AccordError } from '@accord/core'
export type { AccordErrorCode, ConflictRecord } from '@accord/core'
