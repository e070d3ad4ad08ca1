import { Dexie } from 'dexie'
import { AccordError, type RecordValue, type Schema } from '@accord/core'
import type { ReplicaState, ReplicaStore, ReplicaTx, TxScope } from '@accord/core/internal'
import { silentLogger, type Logger } from '../logger.js'
import type { IndexedDbFactory, KeyRangeClass } from '../platform.js'
import { DexieReplicaTx } from './dexie-tx.js'
import { isClosedError, toStoreError } from './store-errors.js'
import { migrateLayout } from './migrate-layout.js'
import { stripMeta, type ValueRow } from './record-meta.js'
import { CONFIRMED, CONFLICTS, dexieVersion, LAYOUT, OUTBOX, STATE, storesFor, VERSIONS, type LastSyncedRow, type StateRow } from './tables.js'

/** IndexedDB transaction durability: `strict` waits for the disk (Chromium's default is relaxed). */
export type Durability = 'strict' | 'relaxed' | 'default'

/** How to open a replica database. */
export interface DexieReplicaStoreOptions {
  /** The replica's name: the IndexedDB database name. */
  name: string
  schema: Schema
  /** An IDBFactory (fake-indexeddb in Node); the global one by default. */
  indexedDB?: IndexedDbFactory
  IDBKeyRange?: KeyRangeClass
  /** Durability of every read-write transaction (outbox writes among them). Default `strict`. */
  durability?: Durability
  randomId: () => string
  logger?: Logger
  /** Another context upgraded (or deleted) the database: this connection was closed for it. */
  onVersionChange?: () => void
}

/**
 * core's `ReplicaStore` on Dexie 4 (DESIGN §5). `transaction(body, scope?)` is one read-write
 * IndexedDB transaction over every table (or the tables of `scope`): its writes land together or
 * not at all. A full disk rejects with
 * `quota_exceeded` and leaves nothing written; a connection the browser closed under us is reopened
 * and the transaction retried once. After a `versionchange` from another context this store stays
 * closed and every call rejects with `schema_changed`.
 */
export class DexieReplicaStore implements ReplicaStore {
  readonly db: Dexie
  private readonly schema: Schema
  private readonly logger: Logger
  private state: 'open' | 'closed' | 'schema_changed' = 'open'
  private reopening: Promise<void> | undefined

  private constructor(db: Dexie, private readonly options: DexieReplicaStoreOptions) {
    this.db = db
    this.schema = options.schema
    this.logger = options.logger ?? silentLogger
  }

  /**
   * Opens (creating or upgrading) the database of `options.name` for `options.schema`. A schema
   * version bump adds tables and indexes in place; records and pending changes stay. A database
   * in an older storage layout is migrated in the same upgrade transaction (migrate-layout.ts).
   * Rejects with `schema_downgrade` when the database was written by a newer schema version or
   * a newer storage layout.
   */
  static async open(options: DexieReplicaStoreOptions): Promise<DexieReplicaStore> {
    adoptAsDefaultDependencies(options)
    const db = new Dexie(options.name, {
      ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
      ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
      chromeTransactionDurability: options.durability ?? 'strict',
    })
    db.version(dexieVersion(options.schema.version))
      .stores(storesFor(options.schema))
      .upgrade((trans) => migrateLayout(trans, options.schema))
    const store = new DexieReplicaStore(db, options)
    db.on('versionchange', () => {
      store.onVersionChange()
      return false // skip Dexie's default, which logs to the console and reopens later
    })
    try {
      await db.open()
      const installed = Math.floor(db.verno)
      const native = Math.floor(db.backendDB().version / 10)
      if (Math.max(installed, native) > options.schema.version) throw downgrade(Math.max(installed, native), options.schema.version)
      // Dexie 4 opens a database of a higher version as it is: a newer Accord's storage layout
      // (the version's tenths) must not be read or written with this one's.
      const layout = db.backendDB().version % 10
      if (layout > LAYOUT) throw layoutDowngrade(layout)
      await store.initState()
    } catch (error) {
      db.close()
      throw toStoreError(error)
    }
    return store
  }

  /** Whether the store can still be used. */
  get isOpen(): boolean {
    return this.state === 'open'
  }

  transaction<T>(body: (tx: ReplicaTx) => Promise<T>, scope?: TxScope): Promise<T> {
    const tables = scope ? this.scopeTables(scope) : this.db.tables
    return this.run(() =>
      this.db.transaction('rw', tables, async (trans) => {
        const tx = new DexieReplicaTx(trans, this.schema)
        const result = await body(tx)
        await tx.flush()
        return result
      }),
    )
  }

  /**
   * The tables of a scope: its collections (unknown names left out, so the body reports them as
   * the engine does), the outbox, confirmed, versions and state, and conflicts when asked for.
   * Fewer tables, fewer locks to take: a local write does not wait on other collections.
   */
  private scopeTables(scope: TxScope): string[] {
    const tables = scope.cols.filter((col) => this.schema.has(col))
    tables.push(OUTBOX, CONFIRMED, VERSIONS, STATE)
    if (scope.conflicts) tables.push(CONFLICTS)
    return tables
  }

  /** The visible value of a record, read outside any write. */
  get(col: string, key: string): Promise<RecordValue | undefined> {
    return this.run(async () => stripMeta(await this.db.table<ValueRow, string>(col).get(key)))
  }

  /** How many changes the outbox holds (kept in the state row with every write of the outbox). */
  outboxCount(): Promise<number> {
    return this.run(async () => (await this.db.table<StateRow, string>(STATE).get('replica'))?.outbox?.count ?? 0)
  }

  /** Runs reads (or anything on `db`) with the store's error mapping and reopen-once rule. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.assertUsable()
    try {
      return await fn()
    } catch (error) {
      if (!isClosedError(error) || this.state !== 'open') throw this.usableError() ?? toStoreError(error)
      this.logger.warn('the local database connection was closed; reopening it and retrying once', { name: this.options.name })
      await this.reopen()
      try {
        return await fn()
      } catch (again) {
        throw this.usableError() ?? toStoreError(again)
      }
    }
  }

  /** Reads the engine's state row (binding, cursor, writers). */
  readState(): Promise<ReplicaState> {
    return this.run(async () => (await this.db.table<StateRow, string>(STATE).get('replica'))?.value as ReplicaState)
  }

  /** When the replica was last caught up with its hub, as last recorded here; null if never. */
  readLastSyncedAt(): Promise<number | null> {
    return this.run(async () => (await this.db.table<LastSyncedRow, string>(STATE).get('lastSyncedAt'))?.value ?? null)
  }

  /** Records it, in a small transaction of its own (a row of `_state` the engine never reads). */
  writeLastSyncedAt(at: number): Promise<void> {
    return this.run(async () => {
      await this.db.table<LastSyncedRow, string>(STATE).put({ key: 'lastSyncedAt', value: at })
    })
  }

  /** Updates the state row in its own transaction (other fields as the engine left them). */
  updateState(update: (state: ReplicaState) => void): Promise<ReplicaState> {
    return this.transaction(async (tx) => {
      const state = await tx.getState()
      update(state)
      await tx.putState(state)
      return state
    })
  }

  /** Closes the connection; later calls reject with `closed`. */
  close(): void {
    if (this.state === 'open') this.state = 'closed'
    this.db.close()
  }

  private onVersionChange(): void {
    if (this.state !== 'open') return
    this.state = 'schema_changed'
    this.logger.info('another context upgraded the local database; this runtime closes', { name: this.options.name })
    this.db.close()
    this.options.onVersionChange?.()
  }

  private async reopen(): Promise<void> {
    this.reopening ??= (async () => {
      this.db.close({ disableAutoOpen: false })
      await this.db.open()
    })().finally(() => (this.reopening = undefined))
    await this.reopening.catch((error: unknown) => {
      throw toStoreError(error)
    })
  }

  /** Throws `closed` or `schema_changed` when the store can no longer be used. */
  assertUsable(): void {
    const error = this.usableError()
    if (error) throw error
  }

  private usableError(): AccordError | undefined {
    if (this.state === 'closed') return new AccordError('closed', 'the replica is closed')
    if (this.state === 'schema_changed') return new AccordError('schema_changed', 'another tab opened this replica with a newer schema; reload to continue')
    return undefined
  }

  /** Creates `_state` on first open; refuses a database written by a newer schema version. */
  private async initState(): Promise<void> {
    const { schema, randomId } = this.options
    await this.db.transaction('rw', STATE, async () => {
      const table = this.db.table<StateRow, string>(STATE)
      const row = await table.get('replica')
      if (row && row.value.schemaVersion > schema.version) throw downgrade(row.value.schemaVersion, schema.version)
      const value: ReplicaState = row?.value ?? {
        replicaId: randomId(),
        writer: '',
        writers: {},
        nextOrd: 1,
        cursor: 0,
        clockOffset: 0,
        syncedCols: [],
        schemaVersion: schema.version,
      }
      value.schemaVersion = schema.version
      await table.put({ ...row, key: 'replica', value })
    })
  }
}

/**
 * Dexie's `liveQuery` silently does nothing when its global dependencies have no IndexedDB (Node,
 * where tests inject fake-indexeddb). Where the scope has none, the injected one becomes the
 * default; a scope with a real IndexedDB is left alone.
 */
function adoptAsDefaultDependencies(options: DexieReplicaStoreOptions): void {
  const deps = Dexie.dependencies
  if (deps.indexedDB || !options.indexedDB) return
  Object.assign(deps, { indexedDB: options.indexedDB, ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}) })
}

function layoutDowngrade(layout: number): AccordError {
  return new AccordError('schema_downgrade', `the local database was written in storage layout ${layout} by a newer Accord; this one reads layout ${LAYOUT}`, {
    details: { layout, supported: LAYOUT },
  })
}

function downgrade(installed: number, requested: number): AccordError {
  return new AccordError('schema_downgrade', `the local database was written by schema version ${installed}; this app has version ${requested}`, {
    details: { installed, requested },
  })
}
