// Public surface of @accord/client/worker: what the app's worker entry calls.
export { serveReplica } from './serve-replica.js'
export type { ServeReplicaOptions } from './serve-replica.js'
