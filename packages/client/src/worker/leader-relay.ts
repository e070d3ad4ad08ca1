/**
 * What the runtimes of one replica tell each other over BroadcastChannel (DESIGN §5): the leader's
 * status reaches every follower (`applyRemoteStatus`), a follower's local write makes the leader
 * push (`kick`), pause and resume apply in every runtime (so they survive a handover), and a
 * follower's flush runs where the socket is. Runs in every runtime; `isLeader()` says which role.
 */
import { AccordError, toWireError } from '@accord/core'
import type { ReplicaStatus, Result } from '../shared/worker-api.js'
import type { HostEnv } from './env.js'
import type { ChannelMessage, ReplicaChannel } from './replica-channel.js'
import type { HostableRuntime } from './runtime-port.js'

/** How often a leader repeats its status when nothing changes. */
export const HEARTBEAT_MS = 2000
/** How long a follower waits for the leader to confirm a pause before resolving anyway. */
const PAUSE_ACK_MS = 3000
/** A leader unheard for this long is presumed frozen or gone. */
export const LEADER_SILENT_MS = 10_000

type FlushOutcome = Result<void> | 'retry'

const closedResult: Result<void> = { ok: false, error: new AccordError('closed', 'the replica is closed').toWire() }

/** One runtime's side of the replica's BroadcastChannel conversation. */
export class LeaderRelay {
  private paused = false
  /** Whether `paused` was learnt from a leader or a local call (a newcomer adopts the leader's). */
  private pausedKnown = false
  private lastStatus: ReplicaStatus | null = null
  private lastPostAt = -Infinity
  private ownTerm: string | undefined
  private leaderTerm: string | undefined
  private leaderSeenAt = -Infinity
  private pauseLane: Promise<Result<void>> = Promise.resolve({ ok: true, value: undefined })
  private readonly pauseAcks = new Map<string, () => void>()
  private readonly flushes = new Map<string, (outcome: FlushOutcome) => void>()
  private closed = false

  constructor(
    private readonly channel: ReplicaChannel | undefined,
    private readonly runtime: HostableRuntime,
    private readonly env: HostEnv,
    private readonly isLeader: () => boolean,
  ) {}

  /** Asks a leader, if any, for its status and pause state. */
  start(): void {
    this.channel?.post({ type: 'hello' })
  }

  /** Whether some leader spoke recently (or this runtime leads). */
  leaderAlive(): boolean {
    return this.isLeader() || this.env.now() - this.leaderSeenAt < LEADER_SILENT_MS
  }

  becameLeader(): void {
    this.ownTerm = this.env.randomId()
    this.retryFlushes()
    this.postLeader()
  }

  lostLeadership(): void {
    this.ownTerm = undefined
    this.retryFlushes()
  }

  onStatus(status: ReplicaStatus): void {
    this.lastStatus = status
    if (this.isLeader()) this.postLeader()
  }

  onLocalWrite(): void {
    if (!this.isLeader()) this.channel?.post({ type: 'write' })
  }

  /** Called every second: the leader's heartbeat. */
  tick(): void {
    if (this.isLeader() && this.env.now() - this.lastPostAt >= HEARTBEAT_MS) this.postLeader()
  }

  /** Pauses or resumes every runtime of the replica; resolves once the leader stopped (or resumed). */
  async setPaused(paused: boolean): Promise<Result<void>> {
    this.paused = paused
    this.pausedKnown = true
    const applied = await this.applyPause(paused)
    if (!applied.ok || !this.channel) return applied
    const id = this.env.randomId()
    const waitForLeader = !this.isLeader() && this.leaderAlive()
    const acked = new Promise<void>((resolve) => {
      this.pauseAcks.set(id, resolve)
      this.env.setTimeout(resolve, waitForLeader ? PAUSE_ACK_MS : 0)
    })
    this.channel.post({ type: 'pause', id, paused })
    await acked
    this.pauseAcks.delete(id)
    return applied
  }

  /** Flushes where the socket is: here when leading, else through the leader; retries on a handover. */
  async flush(): Promise<Result<void>> {
    for (;;) {
      if (this.closed) return closedResult
      const id = this.env.randomId()
      const outcome = new Promise<FlushOutcome>((resolve) => this.flushes.set(id, resolve))
      if (this.isLeader() || !this.channel) {
        this.runtime.flush().then(
          (result) => this.flushes.get(id)?.(result),
          (error: unknown) => this.flushes.get(id)?.({ ok: false, error: toWireError(error) }),
        )
      } else {
        this.channel.post({ type: 'flush', id })
      }
      const result = await outcome
      this.flushes.delete(id)
      if (result === 'retry') continue
      // A leader that closed under a follower's flush: ask the next one.
      if (!result.ok && result.error.code === 'closed' && !this.closed && !this.isLeader()) continue
      return result
    }
  }

  onMessage(message: ChannelMessage): void {
    switch (message.type) {
      case 'hello':
        if (this.isLeader()) this.postLeader()
        return
      case 'leader':
        if (this.isLeader()) return
        this.leaderSeenAt = this.env.now()
        if (message.term !== this.leaderTerm) {
          this.leaderTerm = message.term
          this.retryFlushes()
        }
        if (!this.pausedKnown) {
          this.pausedKnown = true
          if (message.paused !== this.paused) {
            this.paused = message.paused
            void this.applyPause(message.paused)
          }
        }
        if (message.status) this.runtime.applyRemoteStatus(message.status)
        return
      case 'write':
        if (this.isLeader()) this.runtime.kick()
        return
      case 'pause':
        this.paused = message.paused
        this.pausedKnown = true
        void this.applyPause(message.paused).then(() => {
          if (this.isLeader()) this.channel?.post({ type: 'pause-ack', id: message.id })
        })
        return
      case 'pause-ack':
        this.pauseAcks.get(message.id)?.()
        return
      case 'flush':
        if (this.isLeader()) void this.flushFor(message.id)
        return
      case 'flushed':
        this.flushes.get(message.id)?.(message.result)
        return
      default: {
        const never: never = message
        return never
      }
    }
  }

  close(): void {
    this.closed = true
    for (const resolve of this.flushes.values()) resolve(closedResult)
    this.flushes.clear()
    for (const resolve of this.pauseAcks.values()) resolve()
    this.channel?.close()
  }

  private async flushFor(id: string): Promise<void> {
    const term = this.ownTerm
    const result = await this.runtime.flush().catch((error: unknown): Result<void> => ({ ok: false, error: toWireError(error) }))
    // Leadership moved meanwhile: the follower retries with the new leader; a closing leader says
    // nothing, rather than `closed`, which is not the follower's state.
    if (this.closed || term === undefined || term !== this.ownTerm) return
    this.channel?.post({ type: 'flushed', id, result })
  }

  private retryFlushes(): void {
    for (const resolve of this.flushes.values()) resolve('retry')
    this.flushes.clear()
  }

  private postLeader(): void {
    if (!this.ownTerm) return
    this.lastPostAt = this.env.now()
    this.channel?.post({ type: 'leader', term: this.ownTerm, status: this.lastStatus, paused: this.paused })
  }

  /** Applies pause state to this runtime, in call order. */
  private applyPause(paused: boolean): Promise<Result<void>> {
    const run = (): Promise<Result<void>> => (paused ? this.runtime.pause() : this.runtime.resume())
    this.pauseLane = this.pauseLane.then(run, run)
    return this.pauseLane
  }
}
