import {
  AccordError,
  DEFAULT_LIMITS,
  HlcClock,
  PROTOCOL_VERSION,
  decideBatch,
  retentionExpired,
  type BatchDecision,
  type Change,
  type CommitsMessage,
  type ConflictRecord,
  type DeciderView,
  type Handshake,
  type HandshakeReply,
  type HubLimits,
  type HubStore,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
  type Schema,
} from '@accord/core'
import type { DeciderFaults } from '@accord/core/internal'

/** A connected replica as a hub sees it. */
export interface HubPeer {
  replica: string
  space: string
  writers: Set<string>
  /** The connection's own writer (the first declared). */
  ownWriter: string
  /** Delivers one `commits` message to this peer. */
  send(message: CommitsMessage): void
  sendHead(head: number): void
  /** Drops the connection (a newer connection took over its writers). */
  drop(): void
}

/** Where hubs meet: the rooms of every space, shared by all hub processes (like a Redis adapter). */
export class Rooms {
  private members = new Map<string, Set<HubPeer>>()

  join(peer: HubPeer): void {
    for (const other of [...(this.members.get(peer.space) ?? [])]) {
      if (other.replica === peer.replica && peer.writers.has(other.ownWriter)) other.drop()
    }
    let room = this.members.get(peer.space)
    if (!room) this.members.set(peer.space, (room = new Set()))
    room.add(peer)
  }

  leave(peer: HubPeer): void {
    this.members.get(peer.space)?.delete(peer)
  }

  /** The room's copy strips refusals; the writer's own socket gets them. */
  broadcast(space: string, message: CommitsMessage, writerPeer: HubPeer | undefined): void {
    const stripped: CommitsMessage = {
      v: message.v,
      commits: message.commits.map((c) => {
        if (!c.conflict?.private) return c
        const { conflict: _conflict, ...rest } = c
        return rest
      }),
    }
    for (const peer of this.members.get(space) ?? []) peer.send(peer === writerPeer ? message : stripped)
  }

  heads(space: string, head: number): void {
    for (const peer of this.members.get(space) ?? []) peer.sendHead(head)
  }
}

/** A settled change as the simulator's ledger records it. */
export interface SettledChange {
  change: Change
  rejected?: string
}

/**
 * One hub process of the simulation: core's `decideBatch` behind the same batch loop the real hub
 * runs (snapshot → decide → write if the head has not moved, else decide again), without sockets.
 */
export class SimHub {
  readonly limits: HubLimits
  private clock: HlcClock
  private lanes = new Map<string, Promise<unknown>>()
  alive = true

  constructor(
    readonly name: string,
    private readonly store: HubStore,
    private readonly schema: Schema,
    private readonly rooms: Rooms,
    private readonly now: () => number,
    options: { limits?: Partial<HubLimits>; faults?: DeciderFaults; ledger?: (settled: SettledChange[]) => void; trace?: (line: string) => void } = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.clock = new HlcClock({ node: 'hub', now, maxDriftMs: this.limits.maxClockDriftMs })
    this.faults = options.faults
    this.ledger = options.ledger
    this.trace = options.trace
  }
  private readonly faults: DeciderFaults | undefined
  private readonly trace: ((line: string) => void) | undefined
  private readonly ledger: ((settled: SettledChange[]) => void) | undefined

  async handshake(h: Handshake, peer: HubPeer): Promise<HandshakeReply> {
    if (h.protocol !== PROTOCOL_VERSION) throw new AccordError(h.protocol < PROTOCOL_VERSION ? 'client_too_old' : 'hub_too_old', 'protocol version mismatch')
    if (h.schemaVersion !== this.schema.version) {
      throw new AccordError(h.schemaVersion < this.schema.version ? 'client_too_old' : 'hub_too_old', 'schema version mismatch')
    }
    if ((await this.store.bindReplica(h.space, h.replicaId, 'sim')) === 'taken') throw new AccordError('replica_taken', 'replica bound to another principal')
    this.rooms.join(peer)
    const info = await this.store.openSpace(h.space)
    return {
      v: PROTOCOL_VERSION,
      storeId: info.storeId,
      head: info.head,
      hubTime: this.now(),
      principal: 'sim',
      watermarks: await this.store.watermarks(h.space, h.writers),
      limits: this.limits,
    }
  }

  push(peer: HubPeer, request: PushRequest): Promise<PushResponse> {
    return this.serial(peer.space, () => this.runBatch(peer, request.changes))
  }

  async pull(peer: HubPeer, request: PullRequest): Promise<PullResponse> {
    const info = await this.store.openSpace(peer.space)
    const expired = retentionExpired({ since: request.since, origin: request.origin ?? request.since, horizon: request.horizon }, info.purgedThrough)
    if (expired) return { ok: false, error: { code: 'cursor_expired', message: expired } }
    const page = await this.store.pull(peer.space, { since: request.since, limit: request.limit, replica: peer.replica, ...(request.cols ? { cols: request.cols } : {}) })
    return { ok: true, v: PROTOCOL_VERSION, ...page, purgedThrough: info.purgedThrough }
  }

  async head(space: string): Promise<number> {
    return (await this.store.openSpace(space)).head
  }

  leave(peer: HubPeer): void {
    this.rooms.leave(peer)
  }

  async announceHead(space: string): Promise<void> {
    this.rooms.heads(space, await this.head(space))
  }

  private async runBatch(peer: HubPeer, changes: Change[]): Promise<PushResponse> {
    for (let attempt = 0; attempt < 50; attempt++) {
      if (!this.alive) throw new Error('hub down')
      const snapshot = await this.store.readForDecision(peer.space, {
        records: changes.map((c) => ({ col: c.col, key: c.key })),
        writers: [...new Set(changes.map((c) => c.writer))],
        conflicts: changes.flatMap((c) => (c.resolves === undefined ? [] : [c.resolves])),
      })
      const result = decideBatch({
        schema: this.schema,
        view: toView(snapshot),
        changes,
        connection: { replica: peer.replica, writers: peer.writers },
        clock: this.clock,
        limits: this.limits,
        ...(this.faults ? { faults: this.faults } : {}),
      })
      if (!result.ok) return { ok: false, error: result.error }
      if (!this.alive) throw new Error('hub down')
      if (!(await this.store.commitBatch(peer.space, result.decision))) continue
      for (const w of result.decision.writers) peer.writers.add(w.writer)
      this.record(result.decision, changes)
      if (result.decision.commits.length) this.rooms.broadcast(peer.space, { v: PROTOCOL_VERSION, commits: result.decision.commits }, peer)
      return { ok: true, ...result.decision.ack }
    }
    return { ok: false, error: { code: 'internal', message: 'the space kept moving' } }
  }

  private record(decision: BatchDecision, changes: Change[]): void {
    if (!this.ledger) return
    const byKey = new Map(changes.map((c) => [`${c.writer}/${c.n}`, c]))
    this.ledger(
      decision.commits.flatMap((commit) => {
        const change = byKey.get(`${commit.writer}/${commit.through}`)
        return change ? [commit.rejected ? { change, rejected: commit.rejected } : { change }] : []
      }),
    )
  }

  private serial<T>(space: string, fn: () => Promise<T>): Promise<T> {
    const lane = this.lanes.get(space) ?? Promise.resolve()
    const run = lane.then(fn, fn)
    this.lanes.set(space, run.catch(() => undefined))
    return run
  }
}

function toView(snapshot: { head: number; records: import('@accord/core').HubRecordState[]; writers: import('@accord/core').WriterState[]; conflicts: ConflictRecord[] }): DeciderView {
  const records = new Map(snapshot.records.map((r) => [`${r.col}\u0000${r.key}`, r]))
  const writers = new Map(snapshot.writers.map((w) => [w.writer, w]))
  const conflicts = new Map(snapshot.conflicts.map((c) => [c.id, c]))
  return {
    head: snapshot.head,
    record: (col, key) => records.get(`${col}\u0000${key}`),
    writer: (w) => writers.get(w),
    conflict: (id) => conflicts.get(id),
  }
}
