// Public surface of @accord/hub. The store contract suite is at '@accord/hub/testing'.
export { createHub, healthzHandler } from './create-hub.js'
export { sqliteStore } from './sqlite-store.js'
export { postgresStore } from './postgres-store.js'
export type { PostgresHubStore, PostgresStoreOptions } from './postgres-store.js'
export { connectRedisBroadcast } from './cluster/redis-broadcast.js'
export type { RedisBroadcast, RedisBroadcastOptions } from './cluster/redis-broadcast.js'
export { jsonLogger, prettyLogger, silentLogger } from './logger.js'
export type { LineSink, LogFields, Logger } from './logger.js'
export { resolveLimits } from './limits.js'
export type { ResolvedLimits } from './limits.js'
export type {
  AuthenticateFn,
  AuthorizeFn,
  ConnectionState,
  CreateHubOptions,
  Hub,
  HubLimitOptions,
  HubServer,
  HubSocket,
  Principal,
} from './types.js'
export type { HubStore, SpaceInfo, DecisionSnapshot, DecisionReadRequest, PullQuery } from '@accord/core'
