/**
 * The `Replica` an `openReplica()` resolves to: typed collections, transactions, status and
 * conflicts over one page handle on a runtime host. Every call rejects with an `AccordError`;
 * after `close()` every call rejects with `closed`.
 */
import { AccordError, type CollectionName, type ConflictRecord, type RecordFor, type RecordValue, type Schema } from '@accord/core'
import type { LocalOp } from '@accord/core/internal'
import { mergeMap, share, type BehaviorSubject, type Observable } from 'rxjs'
import type { FindQuery, ReplicaStatus, Result } from '../shared/worker-api.js'
import { createCollection, type CollectionBackend, type LiveBackend } from './collection.js'
import type { HostConnection } from './connect.js'
import { LiveSet, watch$ } from './live.js'
import { closedError, unwrap } from './result.js'
import { TransactionBuffer } from './transaction.js'
import type { Collection, Replica, ResolutionValues, Transaction } from './types.js'

type Watcher = (value: RecordValue | RecordValue[] | undefined) => void

/** What `openReplica` hands the replica it built. */
export interface ReplicaParts<S extends Schema> {
  name: string
  schema: S
  replicaId: string
  connection: HostConnection
  status: BehaviorSubject<ReplicaStatus>
  /** Undoes what opening set up on the page (event forwarding, the page lock). */
  teardown: () => void
}

/** The page-side `Replica`: see the file comment. */
export class PageReplica<S extends Schema> implements Replica<S> {
  readonly name: string
  readonly schema: S
  readonly replicaId: string
  readonly status$: Observable<ReplicaStatus>
  readonly conflicts$: Observable<ConflictRecord>
  private readonly connection: HostConnection
  private readonly statusSubject: BehaviorSubject<ReplicaStatus>
  private readonly live = new LiveSet()
  private readonly teardown: () => void
  private closing: Promise<void> | undefined
  /** Rejects every call still waiting when the replica closes. */
  private rejectWaiting: (error: AccordError) => void = () => undefined
  private readonly closedSignal: Promise<never>
  private readonly backend: CollectionBackend
  private readonly liveBackend: LiveBackend

  constructor(parts: ReplicaParts<S>) {
    this.name = parts.name
    this.schema = parts.schema
    this.replicaId = parts.replicaId
    this.connection = parts.connection
    this.statusSubject = parts.status
    this.teardown = parts.teardown
    this.closedSignal = new Promise<never>((_, reject) => (this.rejectWaiting = reject))
    this.closedSignal.catch(() => undefined)
    this.status$ = this.statusSubject.asObservable()
    const api = this.connection.api
    this.conflicts$ = watch$<ConflictRecord[]>(this.connection, this.live, (l) => api.watchConflicts(l)).pipe(
      mergeMap((records) => records),
      share(),
    )
    this.backend = {
      write: (op) => this.writeOps([op]),
      get: (col, key) => this.call(() => api.get(col, key)),
      find: (col, query) => this.call(() => api.find(col, query)),
    }
    this.liveBackend = {
      // The listener goes to the runtime as it is: it is the Comlink proxy, and wrapping it in a
      // new function would make it uncloneable.
      get$: (col, key) => watch$<RecordValue | undefined>(this.connection, this.live, (l) => api.watch({ kind: 'get', col, key }, l as Watcher)),
      find$: (col, query: FindQuery) => watch$<RecordValue[]>(this.connection, this.live, (l) => api.watch({ kind: 'find', col, query }, l as Watcher)),
    }
  }

  get status(): ReplicaStatus {
    return this.statusSubject.value
  }

  collection<N extends CollectionName<S>>(name: N): Collection<RecordFor<S, N>> {
    this.schema.collection(name)
    return createCollection<RecordFor<S, N>>(name, this.backend, this.liveBackend)
  }

  async transaction<T>(fn: (tx: Transaction<S>) => Promise<T>): Promise<T> {
    if (this.closing) throw closedError()
    const buffer = new TransactionBuffer(this.schema, this.backend)
    let result: T
    try {
      result = await fn(buffer.api)
    } catch (error) {
      buffer.discard()
      throw error
    }
    const ops = await buffer.seal()
    if (ops.length > 0) await this.writeOps(ops)
    return result
  }

  conflicts(): Promise<ConflictRecord[]> {
    return this.call(() => this.connection.api.conflicts())
  }

  dismissConflict(conflictId: number): Promise<void> {
    return this.call(() => this.connection.api.dismissConflict(conflictId))
  }

  async resolve(conflictId: number, values: ResolutionValues): Promise<void> {
    const conflict = (await this.conflicts()).find((c) => c.id === conflictId)
    if (!conflict) throw new AccordError('not_found', `no conflict ${conflictId} on this replica`, { details: { conflictId } })
    await this.writeOps([{ op: 'resolve', col: conflict.col, key: conflict.key, conflictId, values }])
  }

  pause(): Promise<void> {
    return this.call(() => this.connection.api.pause())
  }

  resume(): Promise<void> {
    return this.call(() => this.connection.api.resume())
  }

  flush(): Promise<void> {
    return this.call(() => this.connection.api.flush())
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.rejectWaiting(closedError())
      this.live.completeAll()
      this.statusSubject.complete()
      this.teardown()
      await this.connection.api.close().catch(() => undefined)
      this.connection.dispose()
    })()
    return this.closing
  }

  private writeOps(ops: LocalOp[]): Promise<void> {
    return this.call(() => this.connection.api.write(ops))
  }

  private call<T>(run: () => Promise<Result<T>>): Promise<T> {
    if (this.closing) return Promise.reject(closedError())
    return Promise.race([unwrap(run()), this.closedSignal])
  }
}
