/**
 * The replica's sync engine, transport-agnostic (DESIGN §3). The host (a socket.io binding, or the
 * simulator's virtual network) connects and disconnects it and feeds it messages; the engine owns
 * the outbox push loop, strict in-order commit application, gap detection and catch-up.
 *
 *   disconnected ──connected(reply)──▶ syncing ──(gap | head > cursor | new cols)──▶ catching up
 *        ▲                               │  ▲                                          │
 *        └──────────disconnected()───────┘  └──────────── pages applied ───────────────┘
 *
 * Commits arriving while catching up are buffered; those past the pull's `until` apply afterwards.
 */
import { HlcClock } from '../clock/hlc.js'
import type { Change, Commit, ConflictRecord, RejectedTx } from '../model/change.js'
import { AccordError } from '../model/errors.js'
import type { RecordValue } from '../model/json.js'
import {
  PROTOCOL_VERSION,
  type CommitsMessage,
  type Handshake,
  type HandshakeReply,
  type HeadResponse,
  type HubLimits,
  type PullPage,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
} from '../protocol/messages.js'
import type { Schema } from '../schema/define-schema.js'
import type { StandardSchemaV1 } from '../schema/standard-schema.js'
import { applyCommits, type ApplyFaults } from './apply-commits.js'
import { applyPull } from './apply-pull.js'
import type { LocalOp } from './local-ops.js'
import { commitWrite, planWrite, type PlannedWrite } from './local-write.js'
import { planBatch, type BatchPlan } from './outbox-batch.js'
import { clampPendingBases, dropTransaction, lowestPending, moveWriter } from './outbox-maintenance.js'
import { fullPushForms, leanPushForms } from './push-forms.js'
import type { ReplicaState, ReplicaStore, ReplicaTx, TxScope } from './replica-store.js'

/** Refusals in a row for the request rate a catch-up waits out before it gives up (about 10 s). */
const PULL_THROTTLE_RETRIES = 14

/** Requests a connected replica can make; each rejects if the connection is lost or times out. */
export interface ReplicaTransport {
  push(request: PushRequest): Promise<PushResponse>
  pull(request: PullRequest): Promise<PullResponse>
  head(): Promise<HeadResponse>
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** What the engine tells its host. */
export interface ReplicaListener {
  /** Records of these collections changed (local write, commits or catch-up). */
  changed?(cols: ReadonlySet<string>): void
  conflicts?(records: readonly ConflictRecord[]): void
  /** Local rejections the hub will never see (an oversize transaction). */
  rejected?(rejections: readonly RejectedTx[]): void
  /**
   * Outbox size, cursor or connection progress moved. `outboxAdded`, when given: the transaction
   * that just committed changed the outbox by exactly that many changes (a local write adds them,
   * applied commits remove what they settled: 0 for other replicas' commits), so a host that keeps
   * the outbox size can add it instead of counting again. When absent, count.
   */
  progress?(outboxAdded?: number): void
  /** A protocol-level problem worth surfacing (kept in status). */
  error?(error: AccordError): void
}

export interface ReplicaSyncOptions {
  schema: Schema
  store: ReplicaStore
  /** Physical time; the engine adds the hub's offset. */
  now?: () => number
  randomId: () => string
  timers?: Timers
  gapGraceMs?: number
  pullLimit?: number
  listener?: ReplicaListener
  /**
   * Prev on demand (default true): leave `prev` out of a pushed change when no conflict is
   * expected, and send the push again with it when the hub answers `prev_required`. `false`
   * always sends it (one round trip per push, at the cost of the bytes).
   */
  prevOnDemand?: boolean
  /** Test-only faults for the simulator's self-test. */
  faults?: ApplyFaults
}

/** A batch to push, with its lean forms (see `planPush`). */
interface PushPlan {
  plan: BatchPlan
  lean: Change[] | undefined
}

/** The outcome of a write's first transaction (see `write`). */
type FirstWrite =
  | { kind: 'committed'; result: Awaited<ReturnType<typeof commitWrite>>; push?: PushPlan }
  | { kind: 'async'; plan: PlannedWrite; pending: Promise<void>[] }

interface Connection {
  transport: ReplicaTransport
  reply: HandshakeReply
  /** Highest n the hub acknowledged per writer on this connection. */
  sent: Map<string, number>
}

/** One replica's sync engine. Call `open()` once, then `handshake()`/`connected()` per connection. */
export class ReplicaSync {
  readonly schema: Schema
  private readonly store: ReplicaStore
  private readonly physical: () => number
  private readonly timers: Timers
  private readonly gapGraceMs: number
  private readonly pullLimit: number
  private readonly options: ReplicaSyncOptions
  private clock!: HlcClock
  private state!: ReplicaState
  /** This runtime's own writer: fresh at open, replaced when pruned or retired. */
  private ownWriter = ''
  private connection: Connection | undefined
  private catchingUp = false
  private catchUpAgain = false
  private buffered: Commit[] = []
  private gapTimer: unknown
  private pushing = false
  private pushAgain = false
  private lane: Promise<unknown> = Promise.resolve()
  private waiters = new Set<() => void>()
  private closed = false
  /** Counts pull rounds, for tests and status. */
  pulls = 0

  constructor(options: ReplicaSyncOptions) {
    this.options = options
    this.schema = options.schema
    this.store = options.store
    this.physical = options.now ?? Date.now
    this.timers = options.timers ?? globalTimers()
    this.gapGraceMs = options.gapGraceMs ?? 200
    this.pullLimit = options.pullLimit ?? 1_000
  }

  /** Loads or creates `_state` and starts a fresh writer for this runtime. */
  async open(): Promise<ReplicaState> {
    this.state = await this.store.transaction(async (tx) => {
      const state = await tx.getState()
      const writer = this.options.randomId()
      state.writers[writer] = { nextN: 1, nextTx: 1 }
      state.writer = writer
      // Writers with nothing pending need no declaring; a live runtime whose writer is pruned
      // here simply continues under a fresh one at its next write.
      const pending = new Set((await tx.outbox()).map((c) => c.writer))
      for (const id of Object.keys(state.writers)) if (id !== writer && !pending.has(id)) delete state.writers[id]
      await tx.putState(state)
      this.ownWriter = writer
      return state
    })
    this.clock = new HlcClock({ node: this.state.replicaId, now: () => this.physical() + this.state.clockOffset, ...(this.state.hlc ? { last: this.state.hlc } : {}) })
    return this.state
  }

  get replicaId(): string {
    return this.state.replicaId
  }
  get cursor(): number {
    return this.state.cursor
  }
  get isConnected(): boolean {
    return this.connection !== undefined
  }

  /**
   * The handshake to send: this runtime's own writer first, then every other writer that may still
   * have pending changes (pass a freshly read `state` to include writers other runtimes of this
   * database created since this one opened). The hub drops an older connection only when the new one declares that
   * connection's own writer (a leader handover); a cloned database has its own writer and coexists.
   */
  handshake(space: string, token: string | null, state: ReplicaState = this.state): Handshake {
    return {
      protocol: PROTOCOL_VERSION,
      schemaVersion: this.schema.version,
      replicaId: state.replicaId,
      writers: [this.ownWriter, ...Object.keys(state.writers).filter((w) => w !== this.ownWriter)],
      space,
      token,
    }
  }

  /** A connection is up and the hub said welcome. */
  async connected(transport: ReplicaTransport, reply: HandshakeReply): Promise<void> {
    const conn: Connection = { transport, reply, sent: new Map(Object.entries(reply.watermarks)) }
    this.connection = conn
    this.buffered = []
    const known = this.state.storeId
    const storeChanged = known !== undefined && known !== reply.storeId
    const fromZero = storeChanged || this.state.cursor > reply.head
    await this.serial(() =>
      this.store.transaction(async (tx) => {
        if (fromZero) await clampPendingBases(tx, storeChanged ? 0 : reply.head)
        const lowest = lowestPending(await tx.outbox())
        for (const [writer, n] of lowest) {
          const watermark = reply.watermarks[writer] ?? 0
          if (n > watermark + 1) await moveWriter(tx, writer, n)
        }
        const state = await tx.getState()
        state.storeId = reply.storeId
        state.principal = reply.principal
        state.limits = reply.limits
        state.clockOffset = reply.hubTime - this.physical()
        if (fromZero) state.cursor = 0
        await tx.putState(state)
        this.state = state
      }),
    )
    if (this.clock.isAheadOf(reply.hubTime)) this.clock.reset()
    if (this.connection !== conn) return
    const settledElsewhere = await this.hasAcknowledgedPending(conn)
    const newCols = this.schema.names.filter((c) => !this.state.syncedCols.includes(c))
    if (fromZero || this.state.cursor === 0) await this.catchUp(conn, 0, undefined, true)
    else if (newCols.length) {
      await this.catchUp(conn, 0, newCols, true)
      await this.catchUp(conn, this.state.cursor, undefined, false)
    } else if (this.state.cursor < reply.head || settledElsewhere) await this.catchUp(conn, this.state.cursor, undefined, false)
    this.kickPush()
    this.notify()
  }

  /** The connection is gone: stop sending, forget buffered commits (a pull recovers them). */
  disconnected(): void {
    this.connection = undefined
    this.buffered = []
    this.catchingUp = false
    this.catchUpAgain = false
    if (this.gapTimer !== undefined) this.timers.clearTimeout(this.gapTimer)
    this.gapTimer = undefined
    this.notify()
  }

  /** Local writes as one atomic transaction; resolves once durable. */
  async write(ops: readonly LocalOp[]): Promise<Change[]> {
    if (this.closed) throw new AccordError('closed', 'the replica is closed')
    const own = { writer: this.ownWriter, fresh: () => this.options.randomId() }
    // A local write touches its collections, the outbox, confirmed, versions and state: not the
    // conflicts or other collections, so a store need not lock them.
    const scope: TxScope = { cols: [...new Set(ops.map((op) => op.col))] }
    // The common case, validators that answer at once: plan, validate and commit in one
    // transaction. An async validator cannot run inside it (IndexedDB would commit the
    // transaction while the validator awaits), so then the plan is validated outside and
    // committed in a second transaction that re-checks the records did not move meanwhile.
    // An idle push loop is taken first, so that the write's transaction also plans the push: it
    // leaves as the write commits, without a transaction of its own in between (BENCHMARKS P4).
    const pushConn = this.claimPushLoop()
    let handedOver = false
    let first: FirstWrite
    try {
      first = await this.store.transaction(async (tx): Promise<FirstWrite> => {
        const plan = await planWrite(ops, this.schema, (c, k) => tx.getVisible(c, k), tx.prefetch?.bind(tx))
        const pending = this.validateNow(plan)
        if (pending.length) return { kind: 'async', plan, pending }
        const result = await commitWrite(tx, plan, () => this.clock.now(), own)
        if (!pushConn || result === 'moved' || result.changes.length === 0) return { kind: 'committed', result }
        return { kind: 'committed', result, push: await this.planPush(tx, pushConn, false, scope) }
      }, scope)
      if (first.kind === 'committed' && first.result !== 'moved') {
        const changes = this.written(first.result)
        if (pushConn && first.push && first.push.plan.kind !== 'empty') {
          handedOver = true
          void this.pushLoop(pushConn, first.push)
        }
        return changes
      }
    } finally {
      if (pushConn && !handedOver) this.releasePushLoop()
    }
    let plan: PlannedWrite | undefined = first.kind === 'async' ? first.plan : undefined
    let pending: Promise<void>[] = first.kind === 'async' ? first.pending : []
    for (let attempt = 0; attempt < 8; attempt++) {
      if (!plan) {
        plan = await this.store.transaction((tx) => planWrite(ops, this.schema, (c, k) => tx.getVisible(c, k), tx.prefetch?.bind(tx)), scope)
        pending = this.validateNow(plan)
      }
      await Promise.all(pending)
      const ready = plan
      const result = await this.store.transaction((tx) => commitWrite(tx, ready, () => this.clock.now(), own), scope)
      if (result !== 'moved') return this.written(result)
      plan = undefined
    }
    throw new AccordError('conflict', 'the records kept changing while this write was prepared; try again')
  }

  /** Takes the push loop when connected and idle: the caller must hand it to `pushLoop` or release it. */
  private claimPushLoop(): Connection | undefined {
    if (!this.connection || this.pushing || this.closed) return undefined
    this.pushing = true
    return this.connection
  }

  /** Gives a claimed push loop back; a kick that came meanwhile runs it now. */
  private releasePushLoop(): void {
    this.pushing = false
    if (!this.pushAgain) return
    this.pushAgain = false
    this.kickPush()
  }

  private written(result: { changes: Change[]; writer: string }): Change[] {
    this.ownWriter = result.writer
    if (result.changes.length) {
      this.notifyChanged(new Set(result.changes.map((c) => c.col)), result.changes.length)
      this.kickPush()
    }
    return result.changes
  }

  /**
   * Validates the records a plan would leave: throws `validation_failed` for a synchronous answer,
   * and returns the asynchronous ones (each rejecting the same way) to be awaited outside.
   */
  private validateNow(plan: PlannedWrite): Promise<void>[] {
    const pending: Promise<void>[] = []
    for (const { col, key, value } of plan.results.values()) {
      const validator = value === undefined ? undefined : this.schema.collection(col).validator
      if (!validator) continue
      const result = validator['~standard'].validate(value)
      if (result instanceof Promise) pending.push(result.then((r) => throwIssues(col, key, r)))
      else throwIssues(col, key, result)
    }
    return pending
  }

  /** Feeds one `commits` broadcast. */
  receiveCommits(message: CommitsMessage): void {
    const conn = this.connection
    if (!conn) return
    this.buffered.push(...message.commits)
    if (this.catchingUp) return
    void this.serial(() => this.drainBuffered(conn))
  }

  /** Feeds a `head` announcement: a replica below it pulls after the grace period. */
  receiveHead(head: number): void {
    if (!this.connection || head <= this.state.cursor) return
    this.armGapTimer()
  }

  /** Nudges the push loop (another tab wrote, a timer fired). */
  kickPush(): void {
    if (!this.connection) return
    if (this.pushing) {
      this.pushAgain = true
      return
    }
    void this.pushLoop(this.connection)
  }

  /** Resolves once the outbox is empty and the cursor reached the hub's head read after that. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.closed) throw new AccordError('closed', 'the replica is closed')
      const conn = this.connection
      if (conn && (await this.pendingCount()) === 0) {
        const head = await conn.transport.head().catch(() => undefined)
        if (head?.ok) {
          await this.waitFor(() => this.state.cursor >= head.head || this.connection !== conn)
          if (this.connection === conn && this.state.cursor >= head.head && (await this.pendingCount()) === 0) return
          continue
        }
      }
      // Wake on the next progress (a commit settled changes, a new connection), with a bound in
      // case the outbox emptied through another runtime of this database.
      await this.nextProgress(1000)
    }
  }

  async pendingCount(): Promise<number> {
    return this.store.transaction((tx) => tx.outboxCount())
  }

  async read(col: string, key: string): Promise<RecordValue | undefined> {
    return this.store.transaction((tx) => tx.getVisible(col, key))
  }

  close(): void {
    this.closed = true
    this.disconnected()
    for (const wake of this.waiters) wake()
  }

  /** Pushes the outbox while there is something to send; `first`: the first batch, already planned. */
  private async pushLoop(conn: Connection, first?: PushPlan): Promise<void> {
    this.pushing = true
    try {
      let singleTx = false
      let planned = first
      while (this.connection === conn && !this.closed) {
        this.pushAgain = false
        const { plan, lean } = planned ?? (await this.store.transaction((tx) => this.planPush(tx, conn, singleTx)))
        planned = undefined
        if (plan.kind === 'empty') {
          if (!this.pushAgain) break
          continue
        }
        if (plan.kind === 'oversize') {
          await this.rejectLocally(plan.changes, 'payload_too_large')
          continue
        }
        const response = await this.pushBatch(conn, plan.changes, lean)
        if (!response || this.connection !== conn) break
        if (response.ok) {
          singleTx = false
          for (const [w, n] of Object.entries(response.through)) conn.sent.set(w, Math.max(conn.sent.get(w) ?? 0, n))
          if (response.seq > this.state.cursor) this.armGapTimer()
          void this.settleDuplicatesAfter(conn, response.seq)
          continue
        }
        const { code, details } = response.error
        if (code === 'out_of_order') {
          const d = details as { writer?: string; watermark?: number } | undefined
          if (d?.writer !== undefined && d.watermark !== undefined) await this.realignWriter(conn, d.writer, d.watermark)
          continue
        }
        if (['malformed', 'unknown_collection', 'payload_too_large', 'too_many_changes', 'tx_split'].includes(code)) {
          // One bad transaction must not block the outbox: isolate it, then drop it.
          if (!singleTx) singleTx = true
          else await this.rejectLocally(takeFirstTx(plan.changes), code)
          continue
        }
        this.options.listener?.error?.(AccordError.fromWire(response.error))
        break
      }
    } finally {
      this.pushing = false
      // A new connection's kick that arrived while this loop (of the old one) ran is not lost.
      if (this.pushAgain && this.connection !== undefined && this.connection !== conn) this.kickPush()
      this.notify()
    }
  }

  /**
   * Sends one batch: first in its `lean` forms when given, and, if the hub refuses them as
   * `prev_required` (a conflict this replica did not know of), at once again with every `prev`.
   * Pushes are idempotent by writer and n, so the second send is the same push; it cannot be
   * refused for `prev`, so this sends at most twice.
   */
  private async pushBatch(conn: Connection, changes: readonly Change[], lean: Change[] | undefined): Promise<PushResponse | undefined> {
    const send = (forms: Change[]): Promise<PushResponse | undefined> => conn.transport.push({ v: PROTOCOL_VERSION, changes: forms }).catch(() => undefined)
    if (lean) {
      const response = await send(lean)
      if (response?.ok !== false || response.error.code !== 'prev_required' || this.connection !== conn) return response
    }
    return send(fullPushForms(changes))
  }

  /**
   * The next batch, and its forms without `prev` where no conflict is expected (prev on demand).
   * Inside a write's transaction (`scope`), a batch holding changes of collections the write does
   * not lock goes with every `prev`: the versions it would compare against live in rows the
   * transaction cannot read (a store may keep them with the record's value).
   */
  private async planPush(tx: ReplicaTx, conn: Connection, singleTx: boolean, scope?: TxScope): Promise<PushPlan> {
    const plan = await this.nextBatch(tx, conn, conn.reply.limits, singleTx)
    const readable = plan.kind === 'batch' && (!scope || plan.changes.every((c) => scope.cols.includes(c.col)))
    const lean = readable && this.options.prevOnDemand !== false && conn.reply.prevOnDemand === true ? await leanPushForms(tx, plan.changes) : undefined
    return { plan, lean }
  }

  /**
   * Plans the next batch from the head of the outbox, read in growing slices: a long offline
   * outbox is not read whole for every push (the acknowledged-but-unsettled changes ahead of the
   * unsent ones are what the slice must get past).
   */
  private async nextBatch(tx: ReplicaTx, conn: Connection, limits: HubLimits, singleTx: boolean): Promise<BatchPlan> {
    for (let slice = limits.batchChanges * 4; ; slice *= 4) {
      const head = await tx.outbox(slice)
      const plan = planBatch(head, conn.sent, limits, singleTx ? 1 : Infinity)
      // A full slice may have cut the last transaction short or held only acknowledged changes.
      if (head.length < slice || plan.kind === 'oversize') return plan
      const cut = head[head.length - 1] as Change
      const end = plan.kind === 'batch' ? plan.changes[plan.changes.length - 1] : undefined
      if (end && (end.writer !== cut.writer || end.tx !== cut.tx)) return plan
    }
  }

  /**
   * Pending changes the hub already settled (a copy of this database pushed them, or a duplicate of
   * an earlier push) get no new commit: once the cursor has passed the ack, a pull from the cursor
   * reports their watermark and removes them. Without this they stayed pending forever.
   */
  private async settleDuplicatesAfter(conn: Connection, ackSeq: number): Promise<void> {
    await this.waitFor(() => this.state.cursor >= ackSeq || this.connection !== conn)
    if (this.connection !== conn || !(await this.hasAcknowledgedPending(conn))) return
    await this.catchUp(conn, this.state.cursor, undefined, false)
  }

  private async hasAcknowledgedPending(conn: Connection): Promise<boolean> {
    const outbox = await this.store.transaction((tx) => tx.outbox())
    return outbox.some((c) => c.n <= (conn.sent.get(c.writer) ?? 0))
  }

  private async realignWriter(conn: Connection, writer: string, watermark: number): Promise<void> {
    conn.sent.set(writer, watermark)
    await this.serial(() =>
      this.store.transaction(async (tx) => {
        const lowest = lowestPending(await tx.outbox()).get(writer)
        if (lowest !== undefined && lowest > watermark + 1) await moveWriter(tx, writer, lowest)
        this.state = await tx.getState()
      }),
    )
  }

  private async rejectLocally(changes: readonly Change[], code: string): Promise<void> {
    await this.serial(() =>
      this.store.transaction(async (tx) => {
        await dropTransaction(tx, this.schema, changes)
        this.state = await tx.getState()
      }),
    )
    const first = changes[0]
    if (first) this.options.listener?.rejected?.([{ writer: first.writer, tx: first.tx, code }])
    this.notifyChanged(new Set(changes.map((c) => c.col)))
  }

  /** Applies buffered commits in seq order; a gap arms the grace timer, a mismatch re-pulls. */
  private async drainBuffered(conn: Connection): Promise<void> {
    if (this.connection !== conn || this.catchingUp) return
    const ready = this.buffered.filter((c) => c.seq > this.state.cursor).sort((a, b) => a.seq - b.seq)
    this.buffered = []
    if (!ready.length) return
    const result = await this.store.transaction((tx) => applyCommits(tx, this.schema, ready, this.options.faults))
    this.afterApply(result.cursor, result.conflicts, result.maxHlc, new Set(ready.slice(0, result.applied).map((c) => c.col)), -result.settled)
    // Only a settled change moves what the push loop would send next (past acknowledged changes).
    if (result.settled > 0) this.kickPush()
    const rest = ready.slice(result.applied)
    if (result.stopped === 'mismatch') {
      void this.catchUp(conn, 0, undefined, true)
      return
    }
    if (rest.length) {
      this.buffered.push(...rest)
      this.armGapTimer()
    } else if (this.gapTimer !== undefined) {
      this.timers.clearTimeout(this.gapTimer)
      this.gapTimer = undefined
    }
  }

  private armGapTimer(): void {
    if (this.gapTimer !== undefined) return
    const conn = this.connection
    this.gapTimer = this.timers.setTimeout(() => {
      this.gapTimer = undefined
      if (conn && this.connection === conn) void this.catchUp(conn, this.state.cursor, undefined, false)
    }, this.gapGraceMs)
  }

  /** Pulls pages from `since`, stages them, applies them in one transaction, then the buffer. */
  private async catchUp(conn: Connection, since: number, cols: string[] | undefined, fromZeroAsked: boolean): Promise<void> {
    // A catch-up from 0 is a whole snapshot: whatever it does not list is gone (its tombstone may
    // have been purged), so it always replaces confirmed state. (Found by the simulator: a gap
    // pull from cursor 0 kept a record whose purged tombstone it never saw.)
    const fromZero = fromZeroAsked || since === 0
    if (this.connection !== conn) return
    if (this.catchingUp) {
      // Another round is running; it may have read its pages before what this caller needs.
      this.catchUpAgain = true
      return
    }
    this.catchingUp = true
    this.pulls += 1
    try {
      const pages: Omit<PullPage, 'v'>[] = []
      let cursor = since
      let horizon: number | undefined
      let throttled = 0
      for (;;) {
        const request: PullRequest = {
          v: PROTOCOL_VERSION,
          since: cursor,
          limit: this.pullLimit,
          ...(cols ? { cols } : {}),
          ...(cursor > since ? { origin: since } : {}),
          ...(horizon !== undefined ? { horizon } : {}),
        }
        const response = await conn.transport.pull(request).catch(() => undefined)
        if (!response || this.connection !== conn) return
        if (!response.ok && response.error.code === 'rate_limited' && throttled < PULL_THROTTLE_RETRIES) {
          // A catch-up longer than the hub's request burst: giving up would start it over from
          // `since` and hit the same wall every time. The budget refills each second: ask again.
          throttled += 1
          await new Promise<void>((resolve) => this.timers.setTimeout(resolve, Math.min(1_000, 50 * 2 ** throttled)))
          if (this.connection !== conn) return
          continue
        }
        throttled = 0
        if (!response.ok) {
          if (response.error.code === 'cursor_expired' && !fromZero) {
            this.catchingUp = false
            return this.catchUp(conn, 0, cols, true)
          }
          this.options.listener?.error?.(AccordError.fromWire(response.error))
          return
        }
        pages.push(response)
        horizon ??= response.purgedThrough
        cursor = response.until
        if (!response.more) break
      }
      const keepCursor = cols !== undefined && this.state.cursor > 0
      const previous = this.state.cursor
      const result = await this.serial(() =>
        this.store.transaction(async (tx) => {
          const applied = await applyPull(tx, this.schema, pages, { fromZero, ...(cols ? { cols } : {}), complete: true })
          const state = await tx.getState()
          if (keepCursor) state.cursor = previous
          for (const c of cols ?? this.schema.names) if (!state.syncedCols.includes(c)) state.syncedCols.push(c)
          await tx.putState(state)
          this.state = state
          return applied
        }),
      )
      this.afterApply(this.state.cursor, result.conflicts, result.maxHlc, new Set(cols ?? this.schema.names))
    } finally {
      this.catchingUp = false
    }
    if (this.connection === conn) {
      this.kickPush()
      await this.serial(() => this.drainBuffered(conn))
      if (this.catchUpAgain) {
        this.catchUpAgain = false
        await this.catchUp(conn, this.state.cursor, undefined, false)
      }
    }
  }

  /** `outboxAdded`: the outbox's change in size, when known (see `progress`). */
  private afterApply(cursor: number, conflicts: readonly ConflictRecord[], maxHlc: string | undefined, cols: ReadonlySet<string>, outboxAdded?: number): void {
    this.state.cursor = cursor
    if (maxHlc) this.clock.receive(maxHlc)
    if (conflicts.length) this.options.listener?.conflicts?.(conflicts)
    if (cols.size) this.notifyChanged(cols, outboxAdded)
    else this.notify(outboxAdded)
  }


  /** Storage updates that read-then-write engine state run one at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lane.then(fn, fn)
    this.lane = run.catch(() => undefined)
    return run
  }

  private notifyChanged(cols: ReadonlySet<string>, outboxAdded?: number): void {
    this.options.listener?.changed?.(cols)
    this.notify(outboxAdded)
  }

  private notify(outboxAdded?: number): void {
    this.options.listener?.progress?.(outboxAdded)
    for (const wake of [...this.waiters]) wake()
  }

  /** Resolves at the next progress notification, or after `timeoutMs`. */
  private nextProgress(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = (): void => {
        this.waiters.delete(wake)
        this.timers.clearTimeout(timer)
        resolve()
      }
      const timer = this.timers.setTimeout(wake, timeoutMs)
      this.waiters.add(wake)
    })
  }

  /** Resolves when `predicate` holds (checked on every progress), or after `timeoutMs` if given. */
  private waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void> {
    if (predicate() || this.closed) return Promise.resolve()
    return new Promise((resolve) => {
      let timer: unknown
      const wake = (): void => {
        if (!predicate() && !this.closed && timer !== 'fired') return
        this.waiters.delete(wake)
        if (timer !== undefined && timer !== 'fired') this.timers.clearTimeout(timer)
        resolve()
      }
      this.waiters.add(wake)
      if (timeoutMs !== undefined) {
        timer = this.timers.setTimeout(() => {
          timer = 'fired'
          wake()
        }, timeoutMs)
      }
    })
  }
}

function throwIssues(col: string, key: string, result: StandardSchemaV1.Result<unknown>): void {
  if (!result.issues) return
  const issue = result.issues[0]
  throw new AccordError('validation_failed', `${col}/${key}: ${issue?.message ?? 'invalid'}`, { details: { col, key, issues: result.issues.map((i) => i.message) } })
}

/** The host's timers; core has no DOM or Node types, so they are looked up on globalThis. */
function globalTimers(): Timers {
  const g = globalThis as unknown as Timers
  return { setTimeout: (fn, ms) => g.setTimeout(fn, ms), clearTimeout: (h) => g.clearTimeout(h) }
}

function takeFirstTx(changes: readonly Change[]): Change[] {
  const first = changes[0]
  if (!first) return []
  return changes.filter((c) => c.writer === first.writer && c.tx === first.tx)
}
