/**
 * The one interface both sides of the worker boundary import (STYLE §7). The page talks to a
 * runtime through it, over Comlink to a SharedWorker or dedicated Worker, or directly in-process
 * (`worker: false`). Everything crossing it is structured-cloneable; callbacks are Comlink proxies
 * on the wire. Errors never cross as thrown values: every call resolves to a `Result` and the page
 * rebuilds an `AccordError` with the same `code`.
 */
import type { ConflictRecord, JsonValue, RecordValue, WireError } from '@accord/core'
import type { LocalOp } from '@accord/core/internal'

export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError }

/** A condition on one field: equality, a range, or membership. */
export type WhereCondition =
  | JsonValue
  | { eq?: JsonValue; gt?: JsonValue; gte?: JsonValue; lt?: JsonValue; lte?: JsonValue; in?: JsonValue[] }

export interface FindQuery {
  /** Every condition must hold (AND). An indexed field is served by its Dexie index. */
  where?: { [field: string]: WhereCondition }
  orderBy?: string | { field: string; direction?: 'asc' | 'desc' }
  limit?: number
  offset?: number
}

/** What a live subscription watches. */
export type WatchTarget = { kind: 'get'; col: string; key: string } | { kind: 'find'; col: string; query: FindQuery }

export type ConnectionState = 'online' | 'offline' | 'connecting'

/** The replica's sync status (DESIGN §7 `status$`). */
export interface ReplicaStatus {
  connection: ConnectionState
  /** Outbox changes not yet settled by the hub. */
  pending: number
  cursor: number
  /** ms since epoch of the last time the replica was caught up with the hub, or null. */
  lastSyncedAt: number | null
  paused: boolean
  /** The answer of navigator.storage.persist(), when asked. */
  persisted?: boolean
  /** Set until the next good connection. */
  error?: { code: string; message: string }
}

export interface HubConfig {
  /** One URL, or several for failover (tried in order). */
  url: string | string[]
  space: string
}

/** What the page tells the runtime when it opens a replica. */
export interface OpenRequest {
  name: string
  /** The schema's version: a runtime serving another version refuses with `schema_changed`. */
  schemaVersion: number
  hub?: HubConfig
  /** Outbox writes with IndexedDB's strict durability (default true). */
  strictDurability?: boolean
}

/** Callbacks the page registers; on the wire they are Comlink proxies. */
export interface PageClient {
  /** The hub token; the runtime asks the newest open page. */
  token(): Promise<string | null>
}

/** One page's handle on a runtime. */
export interface WorkerApi {
  /** Attaches a page to the replica `request.name`, opening it on first use. */
  open(request: OpenRequest, client: PageClient): Promise<Result<{ replicaId: string }>>
  /** One atomic local transaction. */
  write(ops: LocalOp[]): Promise<Result<void>>
  get(col: string, key: string): Promise<Result<RecordValue | undefined>>
  find(col: string, query: FindQuery): Promise<Result<RecordValue[]>>
  /**
   * Calls `listener` with the current value at once, then after every change that may affect it
   * (from any tab or the hub). Resolves to an id for `unwatch`.
   */
  watch(target: WatchTarget, listener: (value: RecordValue | RecordValue[] | undefined) => void): Promise<Result<number>>
  watchStatus(listener: (status: ReplicaStatus) => void): Promise<Result<number>>
  /** New or updated ConflictRecords as they arrive. */
  watchConflicts(listener: (records: ConflictRecord[]) => void): Promise<Result<number>>
  unwatch(id: number): Promise<void>
  conflicts(): Promise<Result<ConflictRecord[]>>
  dismissConflict(id: number): Promise<Result<void>>
  pause(): Promise<Result<void>>
  resume(): Promise<Result<void>>
  flush(): Promise<Result<void>>
  /** The page's `online`/`offline` events and `navigator.onLine`, forwarded (workers get none). */
  setNetwork(online: boolean): Promise<void>
  /** The page's `visibilitychange`, forwarded. */
  setVisible(visible: boolean): Promise<void>
  /** Detaches this page; the runtime closes when no page is left (or at once with `all`). */
  close(): Promise<void>
}
