/**
 * The page API's public types (DESIGN §7). Record types come from the schema: a collection with a
 * Standard Schema reads and writes its output type; one without reads plain JSON records.
 */
import type { CollectionName, ConflictRecord, JsonValue, RecordFor, Schema } from '@accord/core'
import type { Observable } from 'rxjs'
import type { ReplicaStatus } from '../shared/worker-api.js'

/** Any record: an object with a string `id`. */
export type AnyRecord = { id: string }

/** Field names of `R`. */
export type FieldOf<R> = Extract<keyof R, string>

/** Fields of `R` whose values are `T` (any field for records without a declared type). */
export type FieldsOfType<R, T> = string extends keyof R
  ? string
  : { [K in FieldOf<R>]-?: NonNullable<R[K]> extends T ? K : never }[FieldOf<R>]

/** The element type of a set field. */
export type ElementOf<R, F> = F extends keyof R ? (NonNullable<R[F]> extends ReadonlyArray<infer E> ? E : JsonValue) : JsonValue

/** A field-level patch: the fields to write; `undefined` removes a plain field. `id` cannot change. */
export type Patch<R> = { [K in Exclude<keyof R, 'id'>]?: R[K] | undefined }

/** A condition on one field: a value (equality), a range, or a list of values. */
export type FieldCondition<V> = V | { eq?: V; gt?: V; gte?: V; lt?: V; lte?: V; in?: V[] }

/** A query (`find`, `find$`). Every `where` condition must hold; indexed fields use their index. */
export interface Query<R> {
  where?: { [K in FieldOf<R>]?: FieldCondition<R[K]> }
  /** A field, or a field and direction (default ascending). Without it records come in `id` order. */
  orderBy?: FieldOf<R> | { field: FieldOf<R>; direction?: 'asc' | 'desc' }
  limit?: number
  offset?: number
}

/** Writes and reads on one collection inside `db.transaction()`. */
export interface TransactionCollection<R extends AnyRecord> {
  readonly name: string
  /** Writes the whole record (creating it, or replacing every plain field). */
  put(record: R): Promise<void>
  /** Writes the given fields only (a field-level patch). Rejects `not_found` for a missing record. */
  update(key: string, patch: Patch<R>): Promise<void>
  /** Adds `by` (default 1) to a `counter()` field. */
  increment(key: string, field: FieldsOfType<R, number>, by?: number): Promise<void>
  /** Adds elements to a `set()` field. */
  addToSet<F extends FieldsOfType<R, ReadonlyArray<unknown>>>(key: string, field: F, ...elements: Array<ElementOf<R, F>>): Promise<void>
  /** Removes elements from a `set()` field. */
  removeFromSet<F extends FieldsOfType<R, ReadonlyArray<unknown>>>(key: string, field: F, ...elements: Array<ElementOf<R, F>>): Promise<void>
  /** Deletes the record (nothing happens for a missing one). */
  delete(key: string): Promise<void>
  /** The record, or undefined. */
  get(key: string): Promise<R | undefined>
  find(query?: Query<R>): Promise<R[]>
}

/** One collection of an open replica. */
export interface Collection<R extends AnyRecord> extends TransactionCollection<R> {
  /** The record now, then again after every change to it, from any tab or the hub. */
  get$(key: string): Observable<R | undefined>
  /** The query's result now, then again after every change that may affect it. */
  find$(query?: Query<R>): Observable<R[]>
}

/** What `db.transaction()` hands its callback. */
export interface Transaction<S extends Schema> {
  collection<N extends CollectionName<S>>(name: N): TransactionCollection<RecordFor<S, N>>
}

/** The values a resolution writes: any fields of the conflicted record. */
export type ResolutionValues = { [field: string]: JsonValue | undefined }

/** An open replica (DESIGN §7). */
export interface Replica<S extends Schema = Schema> {
  readonly name: string
  /** This replica's random id, persisted with its database. */
  readonly replicaId: string
  readonly schema: S
  collection<N extends CollectionName<S>>(name: N): Collection<RecordFor<S, N>>
  /**
   * Runs `fn` with buffered writes (its reads see them) and commits them as one atomic local write
   * when it resolves; a throw discards them all and rejects with that error.
   */
  transaction<T>(fn: (tx: Transaction<S>) => Promise<T>): Promise<T>
  /** The sync status: the current value at once to every subscriber, then every change. */
  readonly status$: Observable<ReplicaStatus>
  /** The latest status `status$` emitted. */
  readonly status: ReplicaStatus
  /** New or updated ConflictRecords as they arrive. */
  readonly conflicts$: Observable<ConflictRecord>
  /** The persisted ConflictRecords. */
  conflicts(): Promise<ConflictRecord[]>
  /** Forgets a ConflictRecord locally. */
  dismissConflict(conflictId: number): Promise<void>
  /** Closes a `manual()` conflict on every replica by writing `values` to its record. */
  resolve(conflictId: number, values: ResolutionValues): Promise<void>
  /** Stops sending and receiving in every tab of this replica until `resume()`. */
  pause(): Promise<void>
  resume(): Promise<void>
  /**
   * Resolves once the outbox is empty and the cursor reached the hub's head; waits through
   * offline and pause. Rejects only with `closed`.
   */
  flush(): Promise<void>
  /** Ends this page's subscriptions and detaches it; further calls reject with `closed`. */
  close(): Promise<void>
}
