/**
 * One open replica inside a runtime: its Dexie store, core's engine, the sync driver (when a hub
 * is configured), the conflict feed, the outbox count and the outbox poll. The
 * runtime owns one at a time and forwards its flags (pause, network, leadership) to it.
 */
import type { HubConfig, OpenRequest } from '../shared/worker-api.js'
import { ReplicaSync } from '@accord/core/internal'
import { ConflictFeed } from './live/conflict-feed.js'
import type { StatusTracker } from './live/status-tracker.js'
import { silentLogger, type Logger } from './logger.js'
import { askPersistence, globalIndexedDb, globalStorageManager, randomId, type RuntimeTimers } from './platform.js'
import type { LocalRuntimeOptions } from './runtime-options.js'
import { DexieReplicaStore, type Durability } from './store/dexie-replica-store.js'
import { checkBinding, SyncDriver, type SyncFlags } from './sync/sync-driver.js'

/**
 * `lastSyncedAt` is written to the database at most this often (the latest value last), so a
 * runtime that starts offline shows when the replica was last caught up instead of "never". A
 * runtime that stops inside the window leaves the value before it: earlier, never later.
 */
const RECORD_SYNCED_EVERY_MS = 5000

/** What the runtime lends an open replica. */
export interface ReplicaContext {
  options: LocalRuntimeOptions
  timers: RuntimeTimers
  status: StatusTracker
  /** The newest page's hub token. */
  token(): Promise<string | null>
  /** Another context upgraded the database. */
  schemaChanged(): void
}

/** An open replica; `OpenedReplica.open` creates one, `close` ends it. */
export class OpenedReplica {
  driver: SyncDriver | undefined
  readonly conflicts: ConflictFeed
  private readonly logger: Logger
  private counting = false
  private countAgain = false
  /** The outbox's size as this runtime knows it (shown as `status.pending`). */
  private pending = 0
  private pendingTimer: unknown
  private leading = false
  private pollTimer: unknown
  private closed = false
  private syncedTimer: unknown
  private syncedRecordedAt = 0
  private syncedLatest = 0

  private constructor(
    readonly request: OpenRequest,
    readonly store: DexieReplicaStore,
    readonly sync: ReplicaSync,
    private readonly ctx: ReplicaContext,
  ) {
    this.logger = ctx.options.logger ?? silentLogger
    this.conflicts = new ConflictFeed(store, this.logger)
  }

  /** Opens the database (upgrading it), checks its binding, starts the engine and, with a hub, syncing. */
  static async open(request: OpenRequest, ctx: ReplicaContext, flags: Required<SyncFlags>): Promise<OpenedReplica> {
    const { options, timers } = ctx
    const logger = options.logger ?? silentLogger
    const deps = globalIndexedDb()
    const indexedDB = options.indexedDB ?? deps.indexedDB
    const IDBKeyRange = options.IDBKeyRange ?? deps.IDBKeyRange
    const makeId = options.randomId ?? randomId
    const store = await DexieReplicaStore.open({
      name: request.name,
      schema: options.schema,
      ...(indexedDB ? { indexedDB } : {}),
      ...(IDBKeyRange ? { IDBKeyRange } : {}),
      durability: durabilityOf(request, options),
      randomId: makeId,
      logger,
      onVersionChange: () => ctx.schemaChanged(),
    })
    try {
      checkBinding(await store.readState(), request.hub)
      let opened: OpenedReplica | undefined
      const sync = new ReplicaSync({
        schema: options.schema,
        store,
        now: () => timers.now(),
        randomId: makeId,
        timers,
        ...(options.gapGraceMs === undefined ? {} : { gapGraceMs: options.gapGraceMs }),
        ...(options.pullLimit === undefined ? {} : { pullLimit: options.pullLimit }),
        listener: {
          progress: (outboxAdded) => {
            if (outboxAdded === undefined) opened?.recountPending()
            else opened?.addPending(outboxAdded)
            opened?.refreshSyncStatus()
          },
          error: (error) => ctx.status.update({ error: { code: error.code, message: error.message } }),
          rejected: (list) => logger.warn('transactions rejected locally (over the hub limits); their effect was rolled back', { rejected: list }),
        },
      })
      const state = await sync.open()
      const lastSyncedAt = ctx.status.local.lastSyncedAt ?? (await store.readLastSyncedAt())
      opened = new OpenedReplica(request, store, sync, ctx)
      ctx.status.update({ cursor: state.cursor, paused: flags.paused, lastSyncedAt })
      opened.recountPending()
      if (request.hub) opened.driver = opened.createDriver(request.hub, flags)
      opened.leading = flags.leader === true
      opened.startPolling()
      opened.askPersistence()
      return opened
    } catch (error) {
      store.close()
      throw error
    }
  }

  /** Pause, network and leadership, as the runtime sees them now. */
  setFlags(flags: SyncFlags): void {
    this.driver?.setFlags(flags)
    if (flags.leader !== undefined) this.leading = flags.leader
  }

  /** Stops syncing and watching; with `keepStore`, leaves the database connection to its fate (a versionchange closed it). */
  close(keepStore = false): void {
    if (this.closed) return
    this.closed = true
    this.stopPolling()
    if (this.syncedTimer !== undefined) this.ctx.timers.clearTimeout(this.syncedTimer)
    if (this.pendingTimer !== undefined) this.ctx.timers.clearTimeout(this.pendingTimer)
    this.driver?.close()
    this.conflicts.close()
    this.sync.close()
    if (!keepStore) this.store.close()
  }

  /** `cursor` and `lastSyncedAt`: synced means connected, outbox empty and the cursor at the known head. */
  refreshSyncStatus(): void {
    if (this.closed) return
    const { status, timers } = this.ctx
    const cursor = this.sync.cursor
    const synced = this.driver?.connected === true && this.sync.isConnected && cursor >= this.driver.knownHead && this.pending === 0
    if (!synced) {
      status.update({ cursor })
      return
    }
    const now = timers.now()
    status.update({ cursor, lastSyncedAt: now })
    this.recordSynced(now)
  }

  /** Writes `lastSyncedAt` to the database, at most every RECORD_SYNCED_EVERY_MS (the latest value last). */
  private recordSynced(at: number): void {
    this.syncedLatest = at
    if (this.syncedTimer !== undefined) return
    const wait = Math.max(0, this.syncedRecordedAt + RECORD_SYNCED_EVERY_MS - at)
    this.syncedTimer = this.ctx.timers.setTimeout(() => {
      this.syncedTimer = undefined
      if (this.closed) return
      this.syncedRecordedAt = this.syncedLatest
      this.store.writeLastSyncedAt(this.syncedLatest).catch((error: unknown) => this.logger.debug('could not record lastSyncedAt', { error }))
    }, wait)
  }

  private createDriver(hub: HubConfig, flags: Required<SyncFlags>): SyncDriver {
    const { options, timers, status } = this.ctx
    const driver = new SyncDriver({
      hub,
      sync: this.sync,
      store: this.store,
      status,
      timers,
      random: options.random ?? Math.random,
      logger: this.logger,
      token: () => this.ctx.token(),
      ...(options.socket ? { socket: options.socket } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
    })
    driver.setFlags(flags)
    return driver
  }

  /**
   * `pending` follows the outbox: a local write of this runtime adds the number of changes it
   * committed (counting the outbox after every write cost a read-only transaction per write, and
   * an IndexedDB count walks every row: BENCHMARKS.md, P1 and P2); anything else the engine
   * reports (commits, catch-ups, drops) and the poll timer (other runtimes' writes) count it.
   *
   * Adding stays exact next to a count in flight because IndexedDB runs transactions over the
   * outbox one at a time in the order they were created, and each reports in that order: a count
   * created before a write resolves before the write's addition; one created after the write
   * started waits for it, sees it, and replaces the sum.
   *
   * The sum is shown a task later, so a write's answer leaves before its status push (which the
   * page would otherwise handle first), and a burst of writes pushes one status.
   */
  addPending(added: number): void {
    if (this.closed) return
    this.pending += added
    if (this.pendingTimer !== undefined) return
    this.pendingTimer = this.ctx.timers.setTimeout(() => {
      this.pendingTimer = undefined
      this.showPending()
    }, 0)
  }

  private showPending(): void {
    if (this.closed) return
    this.ctx.status.update({ pending: this.pending })
    this.refreshSyncStatus()
  }

  /** One count in flight at most; a request during it runs once more after it. */
  recountPending(): void {
    if (this.closed) return
    if (this.counting) {
      this.countAgain = true
      return
    }
    this.counting = true
    this.store
      .outboxCount()
      .then(
        (count) => {
          this.pending = count
          this.showPending()
        },
        (error: unknown) => this.logger.warn('could not count the outbox', { error }),
      )
      .finally(() => {
        this.counting = false
        if (this.countAgain) {
          this.countAgain = false
          this.recountPending()
        }
      })
  }

  /**
   * Every runtime recounts the outbox on a timer (other tabs write to it too); the leader also
   * re-reads it to push what other runtimes wrote.
   */
  private startPolling(): void {
    const every = this.ctx.options.outboxPollMs ?? 2000
    const poll = (): void => {
      this.pollTimer = this.ctx.timers.setTimeout(poll, every)
      this.recountPending()
      if (this.leading && this.pending > 0) this.sync.kickPush()
    }
    if (this.pollTimer === undefined && !this.closed) this.pollTimer = this.ctx.timers.setTimeout(poll, every)
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) this.ctx.timers.clearTimeout(this.pollTimer)
    this.pollTimer = undefined
  }

  private askPersistence(): void {
    const { storage } = this.ctx.options
    void askPersistence(storage === null ? undefined : (storage ?? globalStorageManager())).then((persisted) => {
      if (persisted !== undefined && !this.closed) this.ctx.status.update({ persisted })
    })
  }
}

function durabilityOf(request: OpenRequest, options: LocalRuntimeOptions): Durability {
  if (request.strictDurability === undefined) return options.durability ?? 'strict'
  return request.strictDurability ? 'strict' : 'default'
}

/** The hub and space a request would bind the replica to. */
export function bindingOf(request: OpenRequest): { hub?: string; space?: string } {
  if (!request.hub) return {}
  const url = typeof request.hub.url === 'string' ? request.hub.url : request.hub.url[0]
  return { ...(url === undefined ? {} : { hub: url }), space: request.hub.space }
}
