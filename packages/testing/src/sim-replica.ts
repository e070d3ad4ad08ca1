import { AccordError, type Change, type ConflictRecord, type HandshakeReply, type Schema } from '@accord/core'
import { ReplicaSync, type ApplyFaults, type LocalOp, type ReplicaState } from '@accord/core/internal'
import { MemoryReplicaStore, type ReplicaData } from './memory-replica-store.js'
import { Link, type NetworkFaults } from './network.js'
import type { Rng } from './rng.js'
import type { Scheduler } from './scheduler.js'
import type { HubPeer, SimHub } from './sim-hub.js'
import { SettledWatch } from './settled-watch.js'
import { SimWire } from './sim-wire.js'

export interface SimReplicaOptions {
  name: string
  schema: Schema
  scheduler: Scheduler
  rng: Rng
  network: NetworkFaults
  space: string
  pullLimit: number
  gapGraceMs: number
  /** Local clock skew in ms. */
  skewMs: number
  faults?: ApplyFaults
  trace: (line: string) => void
  /**
   * 2: the replica's connections use the compact wire encoding (see sim-wire.ts); 3: and take
   * room copies of other replicas' broadcasts.
   */
  wire?: 1 | 2 | 3
  /** Leave `prev` out of pushes where no conflict is expected (ReplicaSync's `prevOnDemand`). */
  prevOnDemand: boolean
}

/** One replica: a durable memory database plus a runtime (ReplicaSync) that can crash and reboot. */
export class SimReplica {
  readonly store: MemoryReplicaStore
  sync!: ReplicaSync
  link: Link | undefined
  online = true
  conflicts: ConflictRecord[] = []
  /** Messages the compact wire did not carry faithfully (a failure of the run). */
  readonly wireFailures: string[] = []
  /** Pushes the hub refused as `prev_required` (each sent again with `prev`). */
  prevRequired = 0
  /** Settled changes left in the outbox after their commit was applied (a failure of the run). */
  readonly settleFailures: string[] = []
  private readonly settled = new SettledWatch(() => this.name, (line) => this.settleFailures.push(line))

  constructor(
    readonly options: SimReplicaOptions,
    data: ReplicaData | undefined,
    replicaId: string,
  ) {
    const initial: ReplicaState = { replicaId, writer: '', writers: {}, nextOrd: 1, cursor: 0, clockOffset: 0, syncedCols: [], schemaVersion: options.schema.version }
    this.store = new MemoryReplicaStore(data ?? initial)
    this.store.afterCommit = (d) => this.settled.check(d)
  }

  get name(): string {
    return this.options.name
  }

  /** Other runtimes on this database (tabs with dedicated workers): they write locally only. */
  followers: ReplicaSync[] = []

  async boot(): Promise<void> {
    this.sync = await this.openRuntime()
  }

  /** Opens one more runtime on this database (another tab), as a follower. */
  async openTab(): Promise<void> {
    this.followers.push(await this.openRuntime())
  }

  /**
   * Leadership moves to a follower (the leader tab closed or froze): the old leader's socket goes
   * first, the new leader connects at the next reconnection tick and declares every writer.
   */
  handOver(): boolean {
    const next = this.followers.shift()
    if (!next) return false
    this.disconnect()
    this.sync.close()
    this.sync = next
    return true
  }

  private async openRuntime(): Promise<ReplicaSync> {
    const { schema, scheduler, rng } = this.options
    const sync = new ReplicaSync({
      schema,
      store: this.store,
      now: () => scheduler.now + this.options.skewMs,
      randomId: () => rng.id('w'),
      timers: scheduler,
      gapGraceMs: this.options.gapGraceMs,
      pullLimit: this.options.pullLimit,
      prevOnDemand: this.options.prevOnDemand,
      ...(this.options.faults ? { faults: this.options.faults } : {}),
      listener: {
        conflicts: (list) => this.conflicts.push(...list),
        error: (e) => this.options.trace(`${this.name} error ${e.code}: ${e.message}`),
        rejected: (list) => this.options.trace(`${this.name} rejected locally ${JSON.stringify(list)}`),
      },
    })
    await sync.open()
    return sync
  }

  /** Connects to a hub if online and not connected; the handshake travels over the link too. */
  connect(hub: SimHub): void {
    if (!this.online || this.link?.up || !hub.alive) return
    const sync = this.sync
    const link: Link = new Link(this.options.scheduler, this.options.rng, this.options.network, () => {
      hub.leave(peer)
      this.options.trace(`${this.name} link to ${hub.name} cut`)
      if (this.sync === sync) sync.disconnected()
    })
    this.link = link
    // Read the database's writers now: other tabs may have created some since this runtime opened.
    const handshake = sync.handshake(this.options.space, 'token', this.store.data.state)
    const compact = this.options.wire === 2 || this.options.wire === 3 ? this.options.wire : undefined
    const wire = compact ? new SimWire(handshake, compact, (line) => this.wireFailures.push(`${this.name}: ${line}`)) : undefined
    const peer: HubPeer = {
      replica: handshake.replicaId,
      space: this.options.space,
      wire: this.options.wire ?? 1,
      writers: new Set(handshake.writers),
      ownWriter: handshake.writers[0] ?? '',
      send: (message, copy) =>
        link.deliver(() => {
          this.settled.delivered(message, this.store.data)
          sync.receiveCommits(wire ? wire.commits(message, copy) : message)
        }),
      sendHead: (head) => link.deliver(() => sync.receiveHead(head)),
      drop: () => link.cut(),
    }
    void link
      .request(() => hub.handshake(handshake, peer))
      .then(
        (reply: HandshakeReply) => {
          if (!link.up || this.sync !== sync) return
          this.options.trace(`${this.name} connected to ${hub.name} head=${reply.head} cursor=${sync.cursor}`)
          wire?.welcomed(reply.hubTime)
          return sync.connected(
            {
              push: (request) =>
                link.request(() => hub.push(peer, wire ? wire.push(request) : request)).then((res) => {
                  if (!res.ok && res.error.code === 'prev_required') this.prevRequired += 1
                  this.options.trace(`${this.name} push ${request.changes.map((c) => `${c.writer}#${c.n}`).join(',')} → ${res.ok ? `ok ${JSON.stringify(res.through)} seq=${res.seq}` : res.error.code}`)
                  return res
                }),
              pull: (request) =>
                link.request(async () => (wire ? wire.page(await hub.pull(peer, request)) : hub.pull(peer, request))).then((res) => {
                  this.options.trace(`${this.name} pull since=${request.since} origin=${request.origin ?? '-'} → ${res.ok ? `until=${res.until} records=${res.records.length} more=${res.more}` : res.error.code}`)
                  return res
                }),
              head: () => link.request(async () => ({ ok: true as const, head: await hub.head(this.options.space) })),
            },
            reply,
          )
        },
        (error: unknown) => {
          if (error instanceof AccordError) this.options.trace(`${this.name} handshake refused: ${error.code}`)
          link.cut()
        },
      )
  }

  disconnect(): void {
    this.link?.cut()
    this.link = undefined
  }

  /** A crash: the runtime and its connection vanish; the database stays as last committed. */
  async crash(): Promise<void> {
    this.disconnect()
    this.sync.close()
    for (const tab of this.followers.splice(0)) tab.close()
    await this.boot()
  }

  /**
   * A write from a random tab; a follower's write nudges the leader (a BroadcastChannel message).
   * Resolves to the changes written, or undefined when the write was refused locally.
   */
  async write(ops: LocalOp[]): Promise<Change[] | undefined> {
    const tab = this.followers.length && this.options.rng.chance(0.5) ? this.options.rng.pick(this.followers) : this.sync
    try {
      const changes = await tab.write(ops)
      if (tab !== this.sync) this.sync.kickPush()
      return changes
    } catch (error) {
      if (error instanceof AccordError && ['not_found', 'validation_failed'].includes(error.code)) return undefined
      throw error
    }
  }
}
