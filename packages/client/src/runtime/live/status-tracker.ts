import { BehaviorSubject, type Observer, type Subscription } from 'rxjs'
import type { ReplicaStatus } from '../../shared/worker-api.js'

/** The fields a follower takes from its leader (DESIGN §5: a non-leader shows the leader's connection). */
const FROM_LEADER = ['connection', 'cursor', 'lastSyncedAt', 'error', 'paused'] as const

/**
 * The replica's status with BehaviorSubject semantics (DESIGN §7 `status$`): a new subscriber gets
 * the current status at once, then every change; an update that changes nothing emits nothing.
 * A follower runtime overlays the leader's connection fields on its own.
 */
export class StatusTracker {
  private own: ReplicaStatus
  private remote: ReplicaStatus | undefined
  private readonly subject: BehaviorSubject<ReplicaStatus>

  constructor(initial: ReplicaStatus) {
    this.own = { ...initial }
    this.subject = new BehaviorSubject(this.compose())
  }

  /** The status as shown now. */
  get value(): ReplicaStatus {
    return this.subject.getValue()
  }

  /** This runtime's own status (what a leader tells its followers). */
  get local(): ReplicaStatus {
    return { ...this.own }
  }

  /** Merges `patch` into this runtime's status; `error: undefined` clears the error. */
  update(patch: Partial<ReplicaStatus>): void {
    const next: ReplicaStatus = { ...this.own, ...patch }
    if ('error' in patch && patch.error === undefined) delete next.error
    this.own = next
    this.emit()
  }

  /** Shows the leader's connection fields (or, with undefined, this runtime's own again). */
  setRemote(status: ReplicaStatus | undefined): void {
    this.remote = status ? { ...status } : undefined
    this.emit()
  }

  /** Calls `listener` with the current status at once, then on every change. */
  subscribe(listener: ((status: ReplicaStatus) => void) | Partial<Observer<ReplicaStatus>>): Subscription {
    return typeof listener === 'function' ? this.subject.subscribe(listener) : this.subject.subscribe(listener)
  }

  complete(): void {
    this.subject.complete()
  }

  private compose(): ReplicaStatus {
    if (!this.remote) return { ...this.own }
    const out: ReplicaStatus = { ...this.own }
    delete out.error
    for (const field of FROM_LEADER) {
      const value = this.remote[field]
      if (value !== undefined) (out as unknown as Record<string, unknown>)[field] = value
    }
    return out
  }

  private emit(): void {
    const next = this.compose()
    if (JSON.stringify(next) === JSON.stringify(this.subject.getValue())) return
    this.subject.next(next)
  }
}
