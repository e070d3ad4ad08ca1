/**
 * The runtime of one replica (DESIGN §5): core's engine on Dexie with a Socket.IO connection,
 * serving `WorkerApi` to the pages attached to it (in a SharedWorker, a dedicated Worker or the
 * page itself) plus the hooks a host needs for leadership. Only a leader holds the socket; a
 * follower writes locally, signals its writes (`onLocalWrite`) and shows the leader's status
 * (`applyRemoteStatus`). Run in-process it is its own leader.
 */
import { AccordError, type ConflictRecord, type RecordValue, type Schema } from '@accord/core'
import { ReplicaSync, type LocalOp } from '@accord/core/internal'
import { liveQuery, type Dexie } from 'dexie'
import type { FindQuery, HubConfig, OpenRequest, PageClient, ReplicaStatus, Result, WatchTarget, WorkerApi } from '../shared/worker-api.js'
import { ConflictFeed } from './live/conflict-feed.js'
import { StatusTracker } from './live/status-tracker.js'
import { WatchRegistry } from './live/watch-registry.js'
import { silentLogger, type Logger } from './logger.js'
import { askPersistence, globalIndexedDb, globalStorageManager, globalTimers, randomId, type IndexedDbFactory, type KeyRangeClass, type RuntimeTimers, type StorageManagerLike } from './platform.js'
import { checkQuery, findRecords } from './query/find.js'
import { toResult } from './result.js'
import { DexieReplicaStore, type Durability } from './store/dexie-replica-store.js'
import { OUTBOX } from './store/tables.js'
import type { BackoffOptions } from './sync/backoff.js'
import type { SocketSessionOptions } from './sync/socket-session.js'
import { checkBinding, SyncDriver } from './sync/sync-driver.js'

/** Everything a runtime is built from; all but `schema` have defaults. */
export interface LocalRuntimeOptions {
  /** The app's shared schema module's `schema`. */
  schema: Schema
  /** IndexedDB to use instead of the global one (fake-indexeddb in Node). */
  indexedDB?: IndexedDbFactory
  IDBKeyRange?: KeyRangeClass
  timers?: RuntimeTimers
  /** Transaction durability; `strict` by default (an `OpenRequest.strictDurability` overrides it). */
  durability?: Durability
  logger?: Logger
  randomId?: () => string
  /** Jitter source in [0, 1). */
  random?: () => number
  /** `navigator.storage` by default; `null` never asks. */
  storage?: StorageManagerLike | null
  socket?: SocketSessionOptions
  backoff?: BackoffOptions
  /** How often the leader re-reads the outbox for writes of other runtimes. Default 2,000 ms. */
  outboxPollMs?: number
  /** The engine's wait for a commit gap to fill before pulling. Default 200 ms. */
  gapGraceMs?: number
  pullLimit?: number
  /** Whether this runtime starts as the leader. Default true (in-process). */
  leader?: boolean
}

interface Opened {
  request: OpenRequest
  store: DexieReplicaStore
  sync: ReplicaSync
  driver: SyncDriver | undefined
  conflicts: ConflictFeed
}

/** The runtime; see the file comment. Create it with `createLocalRuntime`. */
export class LocalRuntime implements WorkerApi {
  readonly schema: Schema
  private readonly options: LocalRuntimeOptions
  private readonly logger: Logger
  private readonly timers: RuntimeTimers
  private readonly watches: WatchRegistry
  private readonly status: StatusTracker
  private readonly clients: PageClient[] = []
  private readonly writeListeners = new Set<() => void>()
  private opening: Promise<Opened> | undefined
  private opened: Opened | undefined
  private leader: boolean
  private paused = false
  private network = true
  private closed = false
  private pollTimer: unknown
  private pendingWatch: { unsubscribe(): void } | undefined

  constructor(options: LocalRuntimeOptions) {
    this.options = options
    this.schema = options.schema
    this.logger = options.logger ?? silentLogger
    this.timers = options.timers ?? globalTimers()
    this.watches = new WatchRegistry(this.logger)
    this.leader = options.leader ?? true
    this.status = new StatusTracker({ connection: 'offline', pending: 0, cursor: 0, lastSyncedAt: null, paused: false })
  }

  async open(request: OpenRequest, client: PageClient): Promise<Result<{ replicaId: string }>> {
    return toResult(async () => {
      if (this.closed) throw new AccordError('closed', 'the runtime is closed')
      if (request.schemaVersion !== this.schema.version) {
        throw new AccordError('schema_changed', `this runtime serves schema version ${this.schema.version}; the page has ${request.schemaVersion}. Reload to update.`)
      }
      if (this.opening) {
        const opened = await this.opening
        if (opened.request.name !== request.name) throw new AccordError('validation_failed', `this runtime serves replica "${opened.request.name}", not "${request.name}"`)
        checkBinding({ ...(await opened.store.readState()), ...bindingOf(opened.request) }, request.hub)
      }
      this.clients.push(client)
      this.opening ??= this.start(request)
      const opened = await this.opening.catch((error: unknown) => {
        this.opening = undefined
        throw error
      })
      return { replicaId: opened.sync.replicaId }
    })
  }

  write(ops: LocalOp[]): Promise<Result<void>> {
    return toResult(async () => {
      if (!Array.isArray(ops)) throw new AccordError('validation_failed', 'write expects an array of operations')
      const changes = await this.ready().sync.write(ops)
      if (changes.length) for (const listener of this.writeListeners) listener()
    })
  }

  get(col: string, key: string): Promise<Result<RecordValue | undefined>> {
    return toResult(() => {
      this.schema.collection(col)
      return this.ready().store.get(col, key)
    })
  }

  find(col: string, query: FindQuery): Promise<Result<RecordValue[]>> {
    return toResult(() => {
      this.schema.collection(col)
      const { store } = this.ready()
      return store.run(() => findRecords(store.db, this.schema, col, query ?? {}))
    })
  }

  watch(target: WatchTarget, listener: (value: RecordValue | RecordValue[] | undefined) => void): Promise<Result<number>> {
    return toResult(() => {
      this.schema.collection(target.col)
      const { db } = this.ready().store
      if (target.kind === 'get') return this.watches.watchQuery(() => db.table<RecordValue, string>(target.col).get(target.key), listener)
      checkQuery(target.query ?? {})
      return this.watches.watchQuery(() => findRecords(db, this.schema, target.col, target.query ?? {}), listener)
    })
  }

  watchStatus(listener: (status: ReplicaStatus) => void): Promise<Result<number>> {
    return toResult(() => {
      const id = this.watches.register({ unsubscribe: () => subscription.unsubscribe() })
      const subscription = this.status.subscribe((status) => this.watches.deliver(id, listener, status))
      return id
    })
  }

  watchConflicts(listener: (records: ConflictRecord[]) => void): Promise<Result<number>> {
    return toResult(() => {
      const feed = this.ready().conflicts
      const id = this.watches.register({ unsubscribe: () => off() })
      const off = feed.subscribe((records) => this.watches.deliver(id, listener, records))
      return id
    })
  }

  async unwatch(id: number): Promise<void> {
    this.watches.unwatch(id)
  }

  conflicts(): Promise<Result<ConflictRecord[]>> {
    return toResult(() => this.ready().conflicts.list())
  }

  dismissConflict(id: number): Promise<Result<void>> {
    return toResult(() => this.ready().conflicts.dismiss(id))
  }

  pause(): Promise<Result<void>> {
    return toResult(() => {
      this.paused = true
      this.opened?.driver?.setFlags({ paused: true })
      this.status.update({ paused: true })
    })
  }

  resume(): Promise<Result<void>> {
    return toResult(() => {
      this.paused = false
      this.opened?.driver?.setFlags({ paused: false })
      this.status.update({ paused: false })
    })
  }

  /**
   * Resolves once the outbox is empty and the cursor reached the hub's head (read after that);
   * waits through offline and pause; rejects only with `closed`. The wait for an empty outbox
   * follows the status (the engine's own flush re-checks it only once a second).
   */
  flush(): Promise<Result<void>> {
    return toResult(async () => {
      const { sync } = this.ready()
      while (this.status.local.connection !== 'online' || (await sync.pendingCount()) > 0) await this.statusChange(250)
      await sync.flush()
    })
  }

  async setNetwork(online: boolean): Promise<void> {
    this.network = online
    this.opened?.driver?.setFlags({ network: online })
  }

  async setVisible(visible: boolean): Promise<void> {
    if (visible) this.opened?.driver?.retryNow()
  }

  /** Closes the runtime: the socket, every watch and the database connection. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const opened = this.opened ?? (await this.opening?.catch(() => undefined))
    this.stopPolling()
    this.pendingWatch?.unsubscribe()
    this.watches.closeAll()
    opened?.driver?.close()
    opened?.conflicts.close()
    opened?.sync.close()
    opened?.store.close()
    this.status.update({ connection: 'offline' })
    this.status.complete()
  }

  // ── Hooks for the host (leader election, BroadcastChannel relay) ───────────────────────────

  /** Leader: holds the socket. Not leader: closes the socket before anything else. */
  setLeader(leader: boolean): void {
    this.leader = leader
    if (!leader) this.stopPolling()
    this.opened?.driver?.setFlags({ leader })
    if (leader) {
      this.status.setRemote(undefined)
      this.startPolling()
    }
  }

  /** Calls `listener` after every local write this runtime committed; returns the unsubscribe. */
  onLocalWrite(listener: () => void): () => void {
    this.writeListeners.add(listener)
    return () => this.writeListeners.delete(listener)
  }

  /** The leader re-reads the outbox and pushes (a follower wrote). */
  kick(): void {
    if (this.leader) this.opened?.sync.kickPush()
  }

  /** Calls `listener` with this runtime's own status now and on every change; returns the unsubscribe. */
  onStatus(listener: (status: ReplicaStatus) => void): () => void {
    const subscription = this.status.subscribe(() => listener(this.status.local))
    return () => subscription.unsubscribe()
  }

  /** A follower shows the leader's connection, cursor, sync time, pause and error as its own. */
  applyRemoteStatus(status: ReplicaStatus): void {
    if (!this.leader) this.status.setRemote(status)
  }

  /** The status as shown now. */
  get currentStatus(): ReplicaStatus {
    return this.status.value
  }

  /** The open replica database (for diagnostics and tests), once `open` succeeded. */
  get database(): Dexie | undefined {
    return this.opened?.store.db
  }

  // ── Internals ──────────────────────────────────────────────────────────────────────────────

  /** Resolves at the next status change or after `timeoutMs`; rejects with `closed` on close. */
  private statusChange(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new AccordError('closed', 'the replica is closed'))
    return new Promise((resolve, reject) => {
      let first = true
      let done = false
      let subscription: { unsubscribe(): void } | undefined
      const finish = (error?: AccordError): void => {
        if (done) return
        done = true
        this.timers.clearTimeout(timer)
        queueMicrotask(() => subscription?.unsubscribe())
        if (error) reject(error)
        else resolve()
      }
      const timer = this.timers.setTimeout(() => finish(), timeoutMs)
      subscription = this.status.subscribe({
        next: () => {
          if (first) first = false
          else finish()
        },
        complete: () => finish(new AccordError('closed', 'the replica is closed')),
      })
    })
  }

  private ready(): Opened {
    if (this.closed) throw new AccordError('closed', 'the replica is closed')
    if (!this.opened) throw new AccordError('closed', 'the replica is not open yet: call open() first')
    this.opened.store.assertUsable()
    return this.opened
  }

  private async start(request: OpenRequest): Promise<Opened> {
    const { options, schema, logger } = this
    const deps = globalIndexedDb()
    const durability: Durability = request.strictDurability === undefined ? (options.durability ?? 'strict') : request.strictDurability ? 'strict' : 'default'
    const indexedDB = options.indexedDB ?? deps.indexedDB
    const IDBKeyRange = options.IDBKeyRange ?? deps.IDBKeyRange
    const makeId = options.randomId ?? randomId
    const store = await DexieReplicaStore.open({
      name: request.name,
      schema,
      ...(indexedDB ? { indexedDB } : {}),
      ...(IDBKeyRange ? { IDBKeyRange } : {}),
      durability,
      randomId: makeId,
      logger,
      onVersionChange: () => this.onSchemaChanged(),
    })
    try {
      checkBinding(await store.readState(), request.hub)
      const sync = new ReplicaSync({
        schema,
        store,
        now: () => this.timers.now(),
        randomId: makeId,
        timers: this.timers,
        ...(options.gapGraceMs === undefined ? {} : { gapGraceMs: options.gapGraceMs }),
        ...(options.pullLimit === undefined ? {} : { pullLimit: options.pullLimit }),
        listener: {
          progress: () => this.refreshSyncStatus(),
          error: (error) => this.status.update({ error: { code: error.code, message: error.message } }),
          rejected: (list) => logger.warn('transactions rejected locally (over the hub limits); their effect was rolled back', { rejected: list }),
        },
      })
      const state = await sync.open()
      const opened: Opened = { request, store, sync, driver: undefined, conflicts: new ConflictFeed(store, logger) }
      this.opened = opened
      this.status.update({ cursor: state.cursor, paused: this.paused })
      this.watchPending(store)
      if (request.hub) opened.driver = this.createDriver(opened, request.hub)
      if (this.leader) this.startPolling()
      void askPersistence(options.storage === null ? undefined : (options.storage ?? globalStorageManager())).then((persisted) => {
        if (persisted !== undefined && !this.closed) this.status.update({ persisted })
      })
      return opened
    } catch (error) {
      store.close()
      throw error
    }
  }

  private createDriver(opened: Opened, hub: HubConfig): SyncDriver {
    const driver = new SyncDriver({
      hub,
      sync: opened.sync,
      store: opened.store,
      status: this.status,
      timers: this.timers,
      random: this.options.random ?? Math.random,
      logger: this.logger,
      token: () => this.token(),
      ...(this.options.socket ? { socket: this.options.socket } : {}),
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
    })
    driver.setFlags({ paused: this.paused, network: this.network, leader: this.leader })
    return driver
  }

  /** The newest attached page's token; an older page answers if a newer one cannot. */
  private async token(): Promise<string | null> {
    let lastError: unknown
    for (const client of [...this.clients].reverse()) {
      try {
        return await client.token()
      } catch (error) {
        lastError = error
      }
    }
    if (lastError !== undefined) throw lastError
    return null
  }

  /** `pending` follows the outbox, whichever runtime of the replica wrote or settled it. */
  private watchPending(store: DexieReplicaStore): void {
    this.pendingWatch = liveQuery(() => store.db.table(OUTBOX).count()).subscribe({
      next: (count) => {
        this.status.update({ pending: count })
        this.refreshSyncStatus()
      },
      error: (error: unknown) => this.logger.warn('could not count the outbox', { error }),
    })
  }

  private refreshSyncStatus(): void {
    const opened = this.opened
    if (!opened || this.closed) return
    const cursor = opened.sync.cursor
    const synced = opened.driver?.connected === true && opened.sync.isConnected && cursor >= opened.driver.knownHead && this.status.local.pending === 0
    this.status.update(synced ? { cursor, lastSyncedAt: this.timers.now() } : { cursor })
  }

  private startPolling(): void {
    // Another runtime's writes show in `pending` (a live count of the shared outbox): push them.
    const poll = (): void => {
      this.pollTimer = this.timers.setTimeout(poll, this.options.outboxPollMs ?? 2000)
      if (this.status.local.pending > 0) this.kick()
    }
    if (this.pollTimer === undefined && !this.closed && this.opened) this.pollTimer = this.timers.setTimeout(poll, this.options.outboxPollMs ?? 2000)
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) this.timers.clearTimeout(this.pollTimer)
    this.pollTimer = undefined
  }

  private onSchemaChanged(): void {
    const opened = this.opened
    this.stopPolling()
    opened?.driver?.close()
    opened?.sync.close()
    this.status.update({ connection: 'offline', error: { code: 'schema_changed', message: 'another tab opened this replica with a newer schema; reload to continue' } })
  }
}

function bindingOf(request: OpenRequest): { hub?: string; space?: string } {
  if (!request.hub) return {}
  const url = typeof request.hub.url === 'string' ? request.hub.url : request.hub.url[0]
  return { ...(url === undefined ? {} : { hub: url }), space: request.hub.space }
}
