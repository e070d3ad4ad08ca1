// @accord/testing: deterministic simulation of Accord replicas and hubs, for Accord's own tests and
// for app authors checking that their schema's policies converge.
export { simulate } from './simulate.js'
export type { SimFaults, SimOptions, SimResult } from './simulate.js'
export { simSchema } from './sim-schema.js'
export { MemoryHubStore } from './memory-hub-store.js'
export { MemoryReplicaStore } from './memory-replica-store.js'
export type { ReplicaData } from './memory-replica-store.js'
export { Rng } from './rng.js'
export { Scheduler } from './scheduler.js'
export { checkInvariants } from './invariants.js'
export type { InvariantInput, Ledger } from './invariants.js'
export { defaultWorkload, MarkSource } from './workload.js'
export type { Workload, WorkloadContext } from './workload.js'
