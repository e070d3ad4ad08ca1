import { canonicalJson, type ConflictRecord, type JsonValue } from '@accord/core'
import { liveQuery } from 'dexie'
import type { Logger } from '../logger.js'
import type { DexieReplicaStore } from '../store/dexie-replica-store.js'
import { CONFLICTS, type ConflictRow } from '../store/tables.js'

/**
 * The replica's persisted ConflictRecords (DESIGN §4) and a feed of new or changed ones. The feed
 * watches the `_conflicts` table itself, so conflicts applied by another runtime of the replica
 * (the leader, in another tab) reach this one's subscribers too. Its baseline is the table as it
 * was when the replica opened: everything after that is news.
 */
export class ConflictFeed {
  private readonly listeners = new Set<(records: ConflictRecord[]) => void>()
  private known: Map<number, string> | undefined
  private readonly subscription: { unsubscribe(): void }

  constructor(
    private readonly store: DexieReplicaStore,
    private readonly logger: Logger,
  ) {
    const table = store.db.table<ConflictRow, number>(CONFLICTS)
    this.subscription = liveQuery(() => table.toArray()).subscribe({
      next: (rows) => this.onRows(rows),
      error: (error: unknown) => this.logger.warn('the conflict feed stopped', { error }),
    })
  }

  /** Calls `listener` with each batch of new or updated (not dismissed) records; returns the unsubscribe. */
  subscribe(listener: (records: ConflictRecord[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Every persisted record the app has not dismissed, by id. */
  list(): Promise<ConflictRecord[]> {
    return this.store.run(async () => {
      const rows = await this.store.db.table<ConflictRow, number>(CONFLICTS).toArray()
      return rows.filter((row) => !row.dismissed).map((row) => row.record)
    })
  }

  /** Hides a record from `list()` for good (a later copy of it from the hub stays hidden). */
  async dismiss(id: number): Promise<void> {
    await this.store.run(() => this.store.db.table<ConflictRow, number>(CONFLICTS).update(id, { dismissed: true }))
  }

  close(): void {
    this.subscription.unsubscribe()
    this.listeners.clear()
  }

  private onRows(rows: readonly ConflictRow[]): void {
    const first = this.known === undefined
    const known = (this.known ??= new Map())
    const news: ConflictRecord[] = []
    for (const row of rows) {
      const text = canonicalJson(row.record as unknown as JsonValue)
      if (known.get(row.id) === text) continue
      known.set(row.id, text)
      if (!first && !row.dismissed) news.push(row.record)
    }
    if (news.length === 0) return
    for (const listener of this.listeners) listener(news)
  }
}
