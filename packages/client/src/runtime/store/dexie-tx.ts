import { Dexie, type Table, type Transaction } from 'dexie'
import type { Change, ConflictRecord, RecordValue, Schema } from '@accord/core'
import type { ReplicaState, ReplicaTx } from '@accord/core/internal'
import { CONFIRMED, CONFLICTS, OUTBOX, STATE, VERSIONS, type ConfirmedRow, type ConflictRow, type StateRow, type VersionRow } from './tables.js'

/**
 * core's `ReplicaTx` on the tables of one Dexie database. Every method runs on the Dexie
 * transaction the caller opened, so all the body's writes commit or abort together. Tables are
 * taken from the transaction object itself, not from Dexie's zone: the engine's nested async
 * functions put many native microtask hops between two requests, and Dexie's zone does not
 * survive arbitrarily many of them (the next request would run outside the transaction).
 */
export class DexieReplicaTx implements ReplicaTx {
  constructor(
    private readonly trans: Transaction,
    private readonly schema: Schema,
  ) {}

  private visible(col: string): Table<RecordValue, string> | undefined {
    return this.schema.has(col) ? this.trans.table<RecordValue, string>(col) : undefined
  }

  async getVisible(col: string, key: string): Promise<RecordValue | undefined> {
    return this.visible(col)?.get(key)
  }

  async putVisible(col: string, key: string, value: RecordValue | undefined): Promise<void> {
    const table = this.visible(col)
    if (!table) return
    if (value === undefined) await table.delete(key)
    // The table is keyed by `id`; a record always carries its own key.
    else await table.put(value['id'] === key ? value : { ...value, id: key })
  }

  async getConfirmed(col: string, key: string): Promise<{ value: RecordValue | undefined } | undefined> {
    const row = await this.trans.table<ConfirmedRow>(CONFIRMED).get([col, key])
    return row ? { value: row.value } : undefined
  }

  async putConfirmed(col: string, key: string, snapshot: { value: RecordValue | undefined } | undefined): Promise<void> {
    const table = this.trans.table<ConfirmedRow>(CONFIRMED)
    if (snapshot === undefined) await table.delete([col, key])
    else await table.put(snapshot.value === undefined ? { col, key } : { col, key, value: snapshot.value })
  }

  async getVersion(col: string, key: string): Promise<number> {
    return (await this.trans.table<VersionRow>(VERSIONS).get([col, key]))?.version ?? 0
  }

  async putVersion(col: string, key: string, version: number): Promise<void> {
    const table = this.trans.table<VersionRow>(VERSIONS)
    if (version === 0) await table.delete([col, key])
    else await table.put({ col, key, version })
  }

  async pendingFor(col: string, key: string): Promise<Change[]> {
    return this.outboxTable().where('[col+key]').equals([col, key]).sortBy('ord')
  }

  async outbox(limit?: number): Promise<Change[]> {
    const ordered = this.outboxTable().orderBy('ord')
    return limit === undefined ? ordered.toArray() : ordered.limit(limit).toArray()
  }

  async outboxThrough(writer: string, through: number): Promise<Change[]> {
    if (through < 1) return []
    return this.outboxTable().where('[writer+n]').between([writer, 1], [writer, through], true, true).toArray()
  }

  async addOutbox(change: Change): Promise<void> {
    await this.outboxTable().add(change)
  }

  async removeOutbox(writer: string, n: number): Promise<void> {
    await this.outboxTable().delete([writer, n])
  }

  async outboxCount(): Promise<number> {
    return this.outboxTable().count()
  }

  async putConflict(conflict: ConflictRecord): Promise<void> {
    const table = this.trans.table<ConflictRow, number>(CONFLICTS)
    const existing = await table.get(conflict.id)
    await table.put(existing?.dismissed ? { id: conflict.id, record: conflict, dismissed: true } : { id: conflict.id, record: conflict })
  }

  async getConflict(id: number): Promise<ConflictRecord | undefined> {
    return (await this.trans.table<ConflictRow, number>(CONFLICTS).get(id))?.record
  }

  async openConflicts(): Promise<ConflictRecord[]> {
    const rows = await this.trans.table<ConflictRow, number>(CONFLICTS).toArray()
    return rows.map((row) => row.record).filter((record) => record.open === true && record.closedBy === undefined)
  }

  async localKeys(col: string): Promise<string[]> {
    const keys = new Set<string>()
    const table = this.visible(col)
    if (table) for (const key of await table.toCollection().primaryKeys()) keys.add(key)
    for (const name of [CONFIRMED, VERSIONS]) {
      const rows = await this.trans.table<{ key: string }>(name).where('[col+key]').between([col, Dexie.minKey], [col, Dexie.maxKey], true, true).toArray()
      for (const row of rows) keys.add(row.key)
    }
    return [...keys]
  }

  async getState(): Promise<ReplicaState> {
    const row = await this.trans.table<StateRow, string>(STATE).get('replica')
    if (!row) throw new Error('the replica database has no _state row (not opened through DexieReplicaStore.open)')
    return row.value
  }

  async putState(state: ReplicaState): Promise<void> {
    await this.trans.table<StateRow, string>(STATE).put({ key: 'replica', value: state })
  }

  private outboxTable(): Table<Change, [string, number]> {
    return this.trans.table<Change, [string, number]>(OUTBOX)
  }
}
