/**
 * What a host needs from a runtime beyond `WorkerApi`: the leadership hooks of
 * `createLocalRuntime()` (packages/client/src/runtime). Declared here as the shape hosts rely on,
 * so the leader election is testable with a fake runtime.
 */
import type { ReplicaStatus, WorkerApi } from '../shared/worker-api.js'

/** A runtime a host can lead or follow with. */
export interface HostableRuntime extends WorkerApi {
  /** Leader: holds the socket and applies commits. Not leader: closes its socket before anything else. */
  setLeader(leader: boolean): void | Promise<void>
  /** Called after every local write this runtime committed; returns an unsubscribe function. */
  onLocalWrite(listener: () => void): () => void
  /** Re-reads the outbox and pushes (a non-leader wrote). */
  kick(): void
  /** Called with this runtime's status whenever it changes; returns an unsubscribe function. */
  onStatus(listener: (status: ReplicaStatus) => void): () => void
  /** A non-leader shows the leader's connection state, cursor and error as its own. */
  applyRemoteStatus(status: ReplicaStatus): void
}
