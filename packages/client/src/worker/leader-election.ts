/**
 * One replica's Web Lock bid (DESIGN §5: one leader in every mode).
 *
 *   idle ──bid()──▶ waiting ──lock granted──▶ leader
 *    ▲  ◀─release()─┘  │ steal()                │ release()  → lost(false)
 *    │                 └──▶ waiting (steal)     │ stolen     → lost(true)
 *    └──────────────────────────────────────────┘
 *
 * Without a lock manager (Node, tests in one process) `bid()` makes this runtime the leader at once.
 */
import type { LockManagerLike } from './env.js'

export interface LeaderElectionEvents {
  /** This runtime now holds the lock. */
  acquired(): void
  /** This runtime no longer holds it: it released it, or another runtime stole it (`stolen`). */
  lost(stolen: boolean): void
}

/** Where a runtime stands in the lock queue. */
export type ElectionState = 'idle' | 'waiting' | 'leader'

/** One runtime's bid for the Web Lock: see the file comment. */
export class LeaderElection {
  private current: ElectionState = 'idle'
  private since = 0
  private abort: AbortController | undefined
  private releaseHold: (() => void) | undefined
  /** Bumped by every request and release, so a stale grant or rejection is ignored. */
  private generation = 0

  constructor(
    private readonly locks: LockManagerLike | undefined,
    private readonly lockName: string,
    private readonly events: LeaderElectionEvents,
    private readonly now: () => number,
  ) {}

  get state(): ElectionState {
    return this.current
  }

  /** How long this runtime has been waiting for the lock (0 unless waiting). */
  waitedMs(): number {
    return this.current === 'waiting' ? this.now() - this.since : 0
  }

  /** Queues for the lock unless already waiting or leading. */
  bid(): void {
    if (this.current !== 'idle') return
    this.since = this.now()
    if (!this.locks) {
      this.generation++
      this.current = 'leader'
      this.events.acquired()
      return
    }
    this.request(false)
  }

  /** Takes the lock from its holder (whose own request then rejects). Only while waiting. */
  steal(): void {
    if (this.current !== 'waiting' || !this.locks) return
    this.abort?.abort()
    this.request(true)
  }

  /** Leaves the queue, or gives the lock up (reported as `lost(false)`). */
  release(): void {
    const was = this.current
    this.generation++
    this.current = 'idle'
    this.abort?.abort()
    this.abort = undefined
    const hold = this.releaseHold
    this.releaseHold = undefined
    hold?.()
    if (was === 'leader') this.events.lost(false)
  }

  private request(steal: boolean): void {
    const locks = this.locks as LockManagerLike
    const generation = ++this.generation
    this.current = 'waiting'
    // The Web Locks API refuses `signal` together with `steal`: a stealing bid cannot be cancelled,
    // so a grant that arrives after release() is handed straight back (see the generation check).
    const abort = steal ? undefined : new AbortController()
    this.abort = abort
    const options = abort ? { signal: abort.signal } : { steal: true }
    const granted = (): Promise<void> => {
      if (generation !== this.generation || this.current !== 'waiting') return Promise.resolve()
      this.current = 'leader'
      this.abort = undefined
      return new Promise<void>((resolve) => {
        this.releaseHold = resolve
        this.events.acquired()
      })
    }
    locks.request(this.lockName, options, granted).then(
      () => undefined,
      () => {
        // AbortError: our own cancelled wait (nothing to do) or, while leading, a steal.
        if (generation !== this.generation || this.current !== 'leader') return
        this.current = 'idle'
        this.releaseHold = undefined
        this.events.lost(true)
      },
    )
  }
}
