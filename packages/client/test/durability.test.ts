/**
 * What survives: a hub restart with pending writes, a replica closed and reopened with pending
 * writes, a full disk (nothing half-written), a database connection closed under the runtime,
 * schema upgrades (records and pending changes kept), a downgrade refused, and an upgrade from
 * another context closing this one with `schema_changed`.
 */
import { defineSchema } from '@accord/core'
import { IDBObjectStore } from 'fake-indexeddb'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { collections, schema } from './fixtures/schema.js'
import { dexieVersion, OUTBOX } from '../src/runtime/store/tables.js'
import { openTestReplica, unwrap, until, type TestReplica } from './helpers/replica.js'
import { Scenario, settle } from './helpers/scenario.js'

let s: Scenario
beforeEach(async () => {
  s = await new Scenario(schema).start()
})
afterEach(async () => {
  await s.dispose()
})

const errorCode = async (promise: Promise<{ ok: boolean; error?: { code: string } }>): Promise<string> => {
  const result = await promise
  return result.ok ? 'ok' : (result.error?.code ?? '?')
}

describe('surviving restarts', () => {
  it('keeps writes made while the hub restarts and delivers them once it is back', async () => {
    const a = await s.replica('a')
    const b = await s.replica('b')
    await settle(a, b)
    await s.hub.stop()
    await a.waitForStatus((st) => st.connection === 'connecting', 'a notices the hub is gone')
    await a.put('cards', { id: 'during', title: 'written while the hub was down' })
    await a.write({ op: 'increment', col: 'cards', key: 'during', field: 'votes', by: 2 })
    await a.waitForStatus((st) => st.pending === 2, 'both writes pending')
    await s.hub.start()
    await settle(a, b)
    expect(await b.get('cards', 'during')).toMatchObject({ title: 'written while the hub was down', votes: 2 })
    expect(a.status).toMatchObject({ connection: 'online', pending: 0 })
    expect(a.status.error).toBeUndefined()
  })

  it('keeps pending writes across a close and reopen of the replica, then syncs them', async () => {
    const a = await s.replica('a')
    const b = await s.replica('b')
    await a.pause()
    await a.put('cards', { id: 'k1', title: 'before close' })
    await a.write({ op: 'put', col: 'cards', value: { id: 'k2', title: 'tx' } }, { op: 'update', col: 'cards', key: 'k1', patch: { listId: 'l9' } })
    const replicaId = a.replicaId
    await a.close()
    s.replicas.splice(s.replicas.indexOf(a), 1)

    const again = await s.replica('a', { idb: a.idb })
    expect(again.replicaId).toBe(replicaId)
    expect(await again.get('cards', 'k1')).toMatchObject({ title: 'before close', listId: 'l9' })
    await settle(again, b)
    expect(await b.get('cards', 'k1')).toMatchObject({ title: 'before close', listId: 'l9' })
    expect(await b.get('cards', 'k2')).toMatchObject({ title: 'tx' })
    expect(again.status.pending).toBe(0)
  })
})

describe('storage failures', () => {
  it('maps a full disk to quota_exceeded and keeps nothing of the refused write', async () => {
    const a = await openTestReplica({ schema, name: 'quota' })
    s.replicas.push(a)
    await a.put('cards', { id: 'k', title: 'kept' })
    const put = IDBObjectStore.prototype.put
    const add = IDBObjectStore.prototype.add
    const fullOn = (original: typeof put, store?: string) =>
      function (this: InstanceType<typeof IDBObjectStore>, ...args: Parameters<typeof put>): ReturnType<typeof put> {
        if (store === undefined || this.name === store) throw new DOMException('the disk is full', 'QuotaExceededError')
        return original.apply(this, args)
      }
    const full = fullOn(put)
    // The outbox append fails after the visible value was written in the same transaction.
    IDBObjectStore.prototype.add = fullOn(add, OUTBOX) as typeof add
    IDBObjectStore.prototype.put = fullOn(put, OUTBOX) as typeof put
    try {
      expect(await errorCode(a.runtime.write([{ op: 'update', col: 'cards', key: 'k', patch: { title: 'lost' } }]))).toBe('quota_exceeded')
      IDBObjectStore.prototype.put = full as typeof put
      expect(await errorCode(a.runtime.write([{ op: 'put', col: 'cards', value: { id: 'new' } }]))).toBe('quota_exceeded')
    } finally {
      IDBObjectStore.prototype.put = put
      IDBObjectStore.prototype.add = add
    }
    expect(await a.get('cards', 'k')).toMatchObject({ title: 'kept' })
    expect(await a.get('cards', 'new')).toBeUndefined()
    expect(unwrap(await a.runtime.find('cards', {}))).toHaveLength(1)
    await until(() => a.status.pending === 1, 'only the first put pending')
    await a.update('cards', 'k', { title: 'after' })
    expect(await a.get('cards', 'k')).toMatchObject({ title: 'after' })
  })

  it('reopens a database connection closed under it and retries once', async () => {
    const warnings: string[] = []
    const logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (message: string) => void warnings.push(message) }
    const a = await openTestReplica({ schema, name: 'reopen', runtime: { logger } })
    s.replicas.push(a)
    await a.put('cards', { id: 'k', title: 'one' })
    a.runtime.database?.close()
    await a.update('cards', 'k', { title: 'two' })
    a.runtime.database?.close()
    expect(await a.get('cards', 'k')).toMatchObject({ title: 'two' })
    a.runtime.database?.close()
    expect(await a.find('cards', {})).toHaveLength(1)
    expect(warnings.filter((w) => w.includes('reopening'))).toHaveLength(3)
  })
})

describe('schema versions', () => {
  const v2 = defineSchema({
    version: 2,
    collections: { ...collections, cards: { ...collections.cards, indexes: [...collections.cards.indexes, 'title'] }, tasks: { indexes: ['due'] } },
  })

  it('upgrades in place on a version bump (new collection, new index), keeping records and pending changes', async () => {
    const old = await openTestReplica({ schema, name: 'upgrade' })
    await old.put('cards', { id: 'k', title: 'kept', listId: 'l1' })
    await old.update('cards', 'k', { title: 'kept and pending' })
    await old.close()

    const upgraded = await openTestReplica({ schema: v2, name: 'upgrade', idb: old.idb })
    s.replicas.push(upgraded)
    expect(upgraded.replicaId).toBe(old.replicaId)
    expect(await upgraded.get('cards', 'k')).toMatchObject({ title: 'kept and pending' })
    expect(await upgraded.find('cards', { where: { title: 'kept and pending' } })).toHaveLength(1)
    await upgraded.put('tasks', { id: 't', due: 3 })
    expect(await upgraded.find('tasks', { where: { due: { gt: 1 } } })).toEqual([{ id: 't', due: 3 }])
    await until(() => upgraded.status.pending === 3, 'every change still pending')
    expect(upgraded.runtime.database?.verno).toBe(dexieVersion(2))
  })

  it('refuses to open a database written by a newer schema (schema_downgrade)', async () => {
    const newer = await openTestReplica({ schema: v2, name: 'downgrade' })
    await newer.put('tasks', { id: 't' })
    await newer.close()
    await expect(openTestReplica({ schema, name: 'downgrade', idb: newer.idb })).rejects.toMatchObject({ code: 'schema_downgrade' })
    const again = await openTestReplica({ schema: v2, name: 'downgrade', idb: newer.idb })
    s.replicas.push(again)
    expect(await again.get('tasks', 't')).toEqual({ id: 't' })
  })

  it('closes with schema_changed when another context upgrades the database', async () => {
    const old = await openTestReplica({ schema, name: 'versionchange' })
    s.replicas.push(old)
    await old.put('cards', { id: 'k', title: 'old' })
    const upgraded = await openTestReplica({ schema: v2, name: 'versionchange', idb: old.idb })
    s.replicas.push(upgraded)
    await old.waitForStatus((st) => st.error?.code === 'schema_changed', 'the old runtime reports schema_changed')
    expect(old.status.connection).toBe('offline')
    expect(await errorCode(old.runtime.get('cards', 'k'))).toBe('schema_changed')
    expect(await errorCode(old.runtime.write([{ op: 'put', col: 'cards', value: { id: 'x' } }]))).toBe('schema_changed')
    expect(await upgraded.get('cards', 'k')).toMatchObject({ title: 'old' })
  })

  it('refuses a page whose schema version differs from the runtime’s (schema_changed)', async () => {
    const a = await openTestReplica({ schema, name: 'pages' })
    s.replicas.push(a)
    expect(await errorCode(a.runtime.open({ name: 'pages', schemaVersion: 2 }, { token: async () => null }))).toBe('schema_changed')
  })
})
