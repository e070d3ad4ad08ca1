/**
 * The runtime of one replica (DESIGN §5): core's engine on Dexie with a Socket.IO connection,
 * serving `WorkerApi` to the pages attached to it (in a SharedWorker, a dedicated Worker or the
 * page itself) plus the hooks a host needs for leadership. Only a leader holds the socket; a
 * follower writes locally, signals its writes (`onLocalWrite`) and shows the leader's status
 * (`applyRemoteStatus`). Run in-process it is its own leader.
 */
import { AccordError, type ConflictRecord, type RecordValue, type Schema } from '@accord/core'
import type { LocalOp } from '@accord/core/internal'
import type { Dexie } from 'dexie'
import type { FindQuery, OpenRequest, PageClient, ReplicaStatus, Result, WatchTarget, WorkerApi } from '../shared/worker-api.js'
import { StatusTracker } from './live/status-tracker.js'
import { WatchRegistry } from './live/watch-registry.js'
import { silentLogger, type Logger } from './logger.js'
import { bindingOf, OpenedReplica } from './opened-replica.js'
import { globalTimers, type RuntimeTimers } from './platform.js'
import { checkQuery, findRecords } from './query/find.js'
import { stripMeta, type ValueRow } from './store/record-meta.js'
import { toResult } from './result.js'
import type { LocalRuntimeOptions } from './runtime-options.js'
import { checkBinding } from './sync/sync-driver.js'

export type { LocalRuntimeOptions } from './runtime-options.js'

type Opened = OpenedReplica

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
      if (target.kind === 'get') return this.watches.watchQuery(async () => stripMeta(await db.table<ValueRow, string>(target.col).get(target.key)), listener)
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
      this.opened?.setFlags({ paused: true })
      this.status.update({ paused: true })
    })
  }

  resume(): Promise<Result<void>> {
    return toResult(() => {
      this.paused = false
      this.opened?.setFlags({ paused: false })
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
    this.opened?.setFlags({ network: online })
  }

  async setVisible(visible: boolean): Promise<void> {
    if (visible) this.opened?.driver?.retryNow()
  }

  /** Closes the runtime: the socket, every watch and the database connection. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const opened = this.opened ?? (await this.opening?.catch(() => undefined))
    this.watches.closeAll()
    opened?.close()
    this.status.update({ connection: 'offline' })
    this.status.complete()
  }

  // ── Hooks for the host (leader election, BroadcastChannel relay) ───────────────────────────

  /** Leader: holds the socket. Not leader: closes the socket before anything else. */
  setLeader(leader: boolean): void {
    this.leader = leader
    this.opened?.setFlags({ leader })
    if (leader) this.status.setRemote(undefined)
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
    const opened = await OpenedReplica.open(
      request,
      { options: this.options, timers: this.timers, status: this.status, token: () => this.token(), schemaChanged: () => this.onSchemaChanged() },
      { paused: this.paused, network: this.network, leader: this.leader },
    )
    this.opened = opened
    return opened
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

  private onSchemaChanged(): void {
    this.opened?.close(true)
    this.status.update({ connection: 'offline', error: { code: 'schema_changed', message: 'another tab opened this replica with a newer schema; reload to continue' } })
  }
}
