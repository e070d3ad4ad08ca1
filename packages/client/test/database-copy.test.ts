/**
 * A copy of a database made while changes were pending (a copied browser profile) runs beside the
 * original on another connection. Both push the same pending changes; the hub settles them once,
 * and under `wire: 3` each copy gets the author's copy of those commits (the copies share the
 * replicaId, so both are in its author room), removing its pending changes as it applies them.
 * A third replica gets room copies. All converge; the counter counts the increment once.
 */
import { COMMIT_FLAGS } from '@accord/core/internal'
import { IDBFactory } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import { schema } from './fixtures/schema.js'
import { copyDevice } from './helpers/copy-database.js'
import { until } from './helpers/replica.js'
import { Scenario, settle } from './helpers/scenario.js'

let s: Scenario | undefined
afterEach(async () => {
  await s?.dispose()
})

const startsRun = (frame: unknown): boolean => Array.isArray(frame) && (((frame[1] as unknown[])[0] as number) & COMMIT_FLAGS.RUN) !== 0

describe('a copy of a database on another connection (wire 3)', () => {
  it("gets the author's copy of the changes it shares with the original, and converges", async () => {
    s = await new Scenario(schema).start()
    const original = await s.replica('db')
    const other = await s.replica('other')
    await original.put('cards', { id: 'x', title: 'first', listId: 'l1', votes: 0, tags: [] })
    await settle(original, other)

    // Offline edits, then the profile is copied with them pending.
    await original.pause()
    await original.write({ op: 'increment', col: 'cards', key: 'x', field: 'votes', by: 5 }, { op: 'update', col: 'cards', key: 'x', patch: { title: 'offline' } })
    const idb = original.idb
    await original.close()
    s.replicas.splice(s.replicas.indexOf(original), 1)
    const copyIdb = new IDBFactory()
    await copyDevice(idb, copyIdb)

    // What each socket is sent, from the moment it connects.
    const sent = new Map<string, unknown[]>()
    const capture = (socket: { id: string; onAnyOutgoing: (listener: (event: string, payload: unknown) => void) => unknown }): void => {
      const list: unknown[] = []
      sent.set(socket.id, list)
      socket.onAnyOutgoing((event, payload) => void ((event === 'commits' || event === 'c') && list.push(payload)))
    }
    for (const socket of s.hub.hub.io.sockets.sockets.values()) capture(socket)
    s.hub.hub.io.on('connection', capture)
    const reopened = await s.replica('db', { idb })
    const copy = await s.replica('db', { idb: copyIdb })
    expect(copy.replicaId).toBe(reopened.replicaId)
    await settle(reopened, copy, other)
    await settle(reopened, copy, other)

    for (const r of [reopened, copy, other]) {
      expect(await r.get('cards', 'x')).toMatchObject({ title: 'offline', votes: 5 })
      await until(() => r.status.pending === 0, `${r.name}: empty outbox`)
    }
    const sockets = await s.hub.hub.io.in('space:team-1').fetchSockets()
    const framesOf = (replicaId: string): unknown[] => sockets.filter((x) => x.data.replica === replicaId).flatMap((x) => sent.get(x.id) ?? [])
    // Both sockets of the database, the one that pushed and the other, got the author's copy.
    const ofDatabase = sockets.filter((x) => x.data.replica === reopened.replicaId).map((x) => sent.get(x.id) ?? [])
    expect(ofDatabase.map((frames) => frames.length > 0 && frames.every(startsRun))).toEqual([true, true])
    const ofOther = framesOf(other.replicaId)
    expect(ofOther.length).toBeGreaterThan(0)
    expect(ofOther.some(startsRun)).toBe(false)
  })
})
