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
import { DecisionOverlay, mergeDecisions, type CommitsCopy, type DeciderFaults } from '@accord/core/internal'

/** Deliberate routing bugs (tests only): which sockets of the author's replica get the room copy. */
export interface BroadcastFaults {
  /** Every socket, the sender's too: no replica ever learns which of its changes were settled. */
  roomCopyToAuthor?: boolean
  /** The author's other sockets (copies of its database): only the sender gets the author's copy. */
  roomCopyToCopies?: boolean
}

/** A connected replica as a hub sees it. */
export interface HubPeer {
  replica: string
  space: string
  /** The encoding the peer announced (1 when absent). */
  wire?: 1 | 2 | 3
  writers: Set<string>
  /** The connection's own writer (the first declared). */
  ownWriter: string
  /**
   * Delivers one `commits` message to this peer; `copy` says which a `wire: 3` peer is sent: the
   * author's copy to the author's replica, the room copy (no authors) to the others.
   */
  send(message: CommitsMessage, copy: CommitsCopy): void
  sendHead(head: number): void
  /** Drops the connection (a newer connection took over its writers). */
  drop(): void
}

/** Where hubs meet: the rooms of every space, shared by all hub processes (like a Redis adapter). */
export class Rooms {
  private members = new Map<string, Set<HubPeer>>()

  constructor(
    private readonly faults: BroadcastFaults = {},
    /** Names a knob the run exercised. */
    private readonly note: (knob: string) => void = () => {},
  ) {}

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

  /**
   * The room's copy strips refusals; the writer's own socket gets them. Every socket of the
   * commits' author replica (the writer's, and copies of its database) gets the author's copy, as
   * the hub's author rooms do; the others the room copy.
   */
  broadcast(space: string, message: CommitsMessage, writerPeer: HubPeer | undefined): void {
    const stripped: CommitsMessage = {
      v: message.v,
      commits: message.commits.map((c) => {
        if (!c.conflict?.private) return c
        const { conflict: _conflict, ...rest } = c
        return rest
      }),
    }
    const authors = new Set(message.commits.map((c) => c.by))
    const copyFor = (peer: HubPeer): CommitsCopy => {
      if (!authors.has(peer.replica) || this.faults.roomCopyToAuthor) return 'room'
      return this.faults.roomCopyToCopies && peer !== writerPeer ? 'room' : 'author'
    }
    for (const peer of this.members.get(space) ?? []) {
      const copy = copyFor(peer)
      if (peer.wire === 3) this.note(copy === 'room' ? 'room-copy' : peer === writerPeer ? 'author-copy' : 'author-copy-to-db-copy')
      peer.send(peer === writerPeer ? message : stripped, copy)
    }
  }

  heads(space: string, head: number): void {
    for (const peer of this.members.get(space) ?? []) peer.sendHead(head)
  }
}

/** A push waiting for its space's turn (group commit). */
interface Queued {
  peer: HubPeer
  changes: Change[]
  resolve: (response: PushResponse) => void
  reject: (error: unknown) => void
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
    options: {
      limits?: Partial<HubLimits>
      faults?: DeciderFaults
      ledger?: (settled: SettledChange[]) => void
      trace?: (line: string) => void
      /**
       * Group commit as the real hub does it: pushes of a space waiting together are decided one
       * after the other on an overlay and written as one decision. A turn starts when `defer`
       * calls back (a scheduler timeout), so pushes delivered meanwhile join it.
       */
      groupCommit?: { defer: (fn: () => void) => void }
    } = {},
  ) {
    this.groupCommit = options.groupCommit
    this.limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.clock = new HlcClock({ node: 'hub', now, maxDriftMs: this.limits.maxClockDriftMs })
    this.faults = options.faults
    this.ledger = options.ledger
    this.trace = options.trace
  }
  private readonly faults: DeciderFaults | undefined
  private readonly groupCommit: { defer: (fn: () => void) => void } | undefined
  private readonly waiting = new Map<string, Queued[]>()
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
      prevOnDemand: true,
    }
  }

  push(peer: HubPeer, request: PushRequest): Promise<PushResponse> {
    const group = this.groupCommit
    if (!group) return this.serial(peer.space, () => this.runBatch(peer, request.changes))
    return new Promise<PushResponse>((resolve, reject) => {
      const queued: Queued = { peer, changes: request.changes, resolve, reject }
      const waiting = this.waiting.get(peer.space)
      if (waiting) {
        waiting.push(queued)
        return
      }
      this.waiting.set(peer.space, [queued])
      void this.serial(peer.space, async () => {
        await new Promise<void>((go) => group.defer(go))
        const turn = this.waiting.get(peer.space) ?? []
        this.waiting.delete(peer.space)
        try {
          const responses = await this.runGroup(peer.space, turn)
          turn.forEach((q, i) => q.resolve(responses[i] as PushResponse))
        } catch (error) {
          for (const q of turn) q.reject(error)
        }
      })
    })
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

  /** The real hub's `runBatchGroup`, without hooks: one write for the group, decided again if the head moved. */
  private async runGroup(space: string, group: Queued[]): Promise<PushResponse[]> {
    if (group.length > 1) this.trace?.(`${this.name}: group of ${group.length} pushes`)
    for (let attempt = 0; attempt < 50; attempt++) {
      if (!this.alive) throw new Error('hub down')
      const all = group.flatMap((q) => q.changes)
      const snapshot = await this.store.readForDecision(space, {
        records: all.map((c) => ({ col: c.col, key: c.key })),
        writers: [...new Set(all.map((c) => c.writer))],
        conflicts: all.flatMap((c) => (c.resolves === undefined ? [] : [c.resolves])),
      })
      const overlay = new DecisionOverlay(toView(snapshot))
      const decided = group.map((q) => {
        // The connection's writers as the hub's push handler takes them: as they were when the group started.
        const result = decideBatch({
          schema: this.schema,
          view: overlay,
          changes: q.changes,
          connection: { replica: q.peer.replica, writers: new Set(q.peer.writers) },
          clock: this.clock,
          limits: this.limits,
          ...(this.faults ? { faults: this.faults } : {}),
        })
        if (result.ok && result.decision.commits.length > 0) overlay.add(result.decision)
        return result
      })
      const written = decided.flatMap((r) => (r.ok && r.decision.commits.length > 0 ? [r.decision] : []))
      if (!this.alive) throw new Error('hub down')
      if (written.length > 0 && !(await this.store.commitBatch(space, mergeDecisions(written)))) continue
      return decided.map((result, i) => {
        const q = group[i] as Queued
        if (!result.ok) return { ok: false, error: result.error }
        for (const w of result.decision.writers) q.peer.writers.add(w.writer)
        this.record(result.decision, q.changes)
        if (result.decision.commits.length) this.rooms.broadcast(space, { v: PROTOCOL_VERSION, commits: result.decision.commits }, q.peer)
        return { ok: true, ...result.decision.ack }
      })
    }
    return group.map(() => ({ ok: false, error: { code: 'internal', message: 'the space kept moving' } }))
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
