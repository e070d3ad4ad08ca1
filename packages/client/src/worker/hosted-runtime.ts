import { createLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../runtime/index.js'

/**
 * What `serveReplica` takes: the options of `createLocalRuntime` (the schema, and optionally a
 * logger, durability, socket and backoff settings). Leadership is the host's to decide.
 */
export type ServeReplicaOptions = Omit<LocalRuntimeOptions, 'leader'>

/** A runtime for a host: a follower until the Web Lock `accord:<name>` says otherwise. */
export function createHostedRuntime(options: ServeReplicaOptions): LocalRuntime {
  return createLocalRuntime({ ...options, leader: false })
}
