import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AccordError, counter, defineSchema, manual, set, fieldMerge } from '@accord/core'
import { createHub, sqliteStore, type Hub } from '@accord/hub'
import Dexie from 'dexie'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { firstValueFrom, filter } from 'rxjs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openReplica } from './open-replica.js'
import type { Replica } from './types.js'

const schema = defineSchema({
  version: 1,
  collections: {
    cards: { indexes: ['listId'], policy: fieldMerge({ fields: { votes: counter(), tags: set() } }) },
    notes: { policy: manual() },
  },
})

let hub: Hub
let dir: string
const open: Replica<typeof schema>[] = []

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'accord-page-test-'))
  hub = await createHub({ schema, store: sqliteStore(join(dir, 'hub.db')), port: 0, host: '127.0.0.1', authenticate: async ({ token }) => (token === 'secret' ? { id: 'u1' } : null) })
})

afterEach(async () => {
  for (const db of open.splice(0)) await db.close()
  await hub.close()
  rmSync(dir, { recursive: true, force: true })
})

async function replica(name = 'r1', factory = new IDBFactory(), token: string | null = 'secret'): Promise<Replica<typeof schema>> {
  const db = await openReplica({
    name,
    schema,
    worker: false,
    indexedDB: factory,
    IDBKeyRange,
    hub: { url: `http://127.0.0.1:${hub.port}`, space: 'team-1', token: async () => token },
  })
  open.push(db)
  return db
}

describe('openReplica in-process', () => {
  it('writes, reads, patches, counts and sets, with records as the app wrote them', async () => {
    const db = await replica()
    const cards = db.collection('cards')
    await cards.put({ id: 'c1', listId: 'l1', title: 'Hi', votes: 0, tags: [] })
    await cards.update('c1', { title: 'Hello' })
    await cards.increment('c1', 'votes', 2)
    await cards.addToSet('c1', 'tags', 'urgent', 'red')
    await cards.removeFromSet('c1', 'tags', 'red')
    expect(await cards.get('c1')).toEqual({ id: 'c1', listId: 'l1', title: 'Hello', votes: 2, tags: ['urgent'] })
    expect(await cards.find({ where: { listId: 'l1' } })).toHaveLength(1)
    await cards.delete('c1')
    expect(await cards.get('c1')).toBeUndefined()
  })

  it('rejects with AccordError codes rebuilt from the Result', async () => {
    const db = await replica()
    const error = await db.collection('cards').update('missing', { title: 'x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AccordError)
    expect((error as AccordError).code).toBe('not_found')
    expect(() => db.collection('nope' as 'cards')).toThrow(AccordError)
  })

  it('get$ and find$ emit at once, then on every change', async () => {
    const db = await replica()
    const cards = db.collection('cards')
    const seen: unknown[] = []
    const sub = cards.get$('c1').subscribe((v) => seen.push(v))
    await expect.poll(() => seen.length).toBe(1)
    expect(seen[0]).toBeUndefined()
    await cards.put({ id: 'c1', listId: 'l1', title: 'A', votes: 0, tags: [] })
    await expect.poll(() => seen.at(-1)).toMatchObject({ title: 'A' })
    const list = await firstValueFrom(cards.find$({ where: { listId: 'l1' } }).pipe(filter((r) => r.length === 1)))
    expect(list[0]?.id).toBe('c1')
    sub.unsubscribe()
  })

  it('transaction: reads see buffered writes; commit is one write; a throw discards', async () => {
    const db = await replica()
    const cards = db.collection('cards')
    await cards.put({ id: 'c1', listId: 'l1', title: 'A', votes: 0, tags: [] })
    const seenInside = await db.transaction(async (tx) => {
      const t = tx.collection('cards')
      await t.update('c1', { title: 'B' })
      await t.put({ id: 'c2', listId: 'l1', title: 'C', votes: 1, tags: [] })
      await t.increment('c2', 'votes', 1)
      expect(await cards.get('c2')).toBeUndefined()
      return { one: await t.get('c1'), all: await t.find({ where: { listId: 'l1' }, orderBy: 'title' }) }
    })
    expect(seenInside.one).toMatchObject({ title: 'B' })
    expect(seenInside.all.map((r) => r.title)).toEqual(['B', 'C'])
    expect(await cards.get('c2')).toMatchObject({ votes: 2 })
    await expect(
      db.transaction(async (tx) => {
        await tx.collection('cards').update('c1', { title: 'lost' })
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await cards.get('c1')).toMatchObject({ title: 'B' })
  })

  it("a read inside a transaction matches and orders as the worker's find does", async () => {
    const db = await replica()
    const cards = db.collection('cards')
    const queries = [
      { orderBy: { field: 'title', direction: 'desc' as const } },
      { where: { title: { gt: 5 } }, orderBy: 'id' },
      { where: { title: { lt: 'C' } }, orderBy: { field: 'title', direction: 'desc' as const }, limit: 2 },
    ]
    await db.transaction(async (tx) => {
      const t = tx.collection('cards')
      await t.put({ id: 'c1', listId: 'l1', title: 'B', votes: 0, tags: [] })
      await t.put({ id: 'c2', listId: 'l1', votes: 0, tags: [] })
      await t.put({ id: 'c3', listId: 'l1', title: 7, votes: 0, tags: [] })
      await t.put({ id: 'c4', listId: 'l1', title: 'A', votes: 0, tags: [] })
    })
    const outside = await Promise.all(queries.map((q) => cards.find(q)))
    const inside = await db.transaction(async (tx) => {
      const t = tx.collection('cards')
      await t.update('c1', { title: 'B' })
      return Promise.all(queries.map((q) => t.find(q)))
    })
    expect(inside).toEqual(outside)
    expect(outside.map((rows) => rows.map((r) => r.id))).toEqual([
      ['c1', 'c4', 'c3', 'c2'],
      ['c1', 'c3', 'c4'],
      ['c1', 'c4'],
    ])
  })

  it('status$ replays the current status to every subscriber; two replicas converge through the hub', async () => {
    const a = await replica('a')
    const b = await replica('b')
    await firstValueFrom(a.status$.pipe(filter((s) => s.connection === 'online')))
    const again = await firstValueFrom(a.status$)
    expect(again.connection).toBe('online')
    await a.collection('cards').put({ id: 'c1', listId: 'l1', title: 'from a', votes: 1, tags: [] })
    await a.flush()
    await b.flush()
    expect(await b.collection('cards').get('c1')).toMatchObject({ title: 'from a' })
    expect(a.status.pending).toBe(0)
  })

  it('lastSyncedAt survives a restart: a replica opened with its hub out of reach shows when it last caught up', async () => {
    const factory = new IDBFactory()
    const first = await replica('a', factory)
    await first.flush()
    const synced = first.status.lastSyncedAt
    expect(synced).not.toBeNull()
    // Recorded in the replica's own database (at most every few seconds; the first one at once).
    const raw = new Dexie('a', { indexedDB: factory, IDBKeyRange })
    const stored = async (): Promise<number | undefined> => ((await raw.open()).table('_state').get('lastSyncedAt') as Promise<{ value: number } | undefined>).then((row) => row?.value)
    await expect.poll(stored).toBeGreaterThan(0)
    await first.close()
    open.splice(open.indexOf(first), 1)
    await hub.close()
    // Still syncing after `synced` was read, the replica may have recorded a later moment.
    const last = await stored()
    raw.close()
    expect(last).toBeGreaterThanOrEqual(synced!)

    const again = await replica('a', factory)
    expect(again.status.connection).not.toBe('online')
    expect(again.status.lastSyncedAt).toBe(last)
  })

  it('opens without a reachable hub and shows a refused token in status$', async () => {
    const db = await replica('bad', new IDBFactory(), 'wrong')
    const status = await firstValueFrom(db.status$.pipe(filter((s) => s.error !== undefined)))
    expect(status.error?.code).toBe('unauthorized')
  })

  it('pause stops sync until resume; after close every call rejects with closed', async () => {
    const a = await replica('a')
    const b = await replica('b')
    await a.flush()
    await b.pause()
    await a.collection('cards').put({ id: 'p1', listId: 'l1', title: 'while paused', votes: 0, tags: [] })
    await a.flush()
    await new Promise((r) => setTimeout(r, 200))
    expect(await b.collection('cards').get('p1')).toBeUndefined()
    expect(b.status.paused).toBe(true)
    await b.resume()
    await b.flush()
    expect(await b.collection('cards').get('p1')).toMatchObject({ title: 'while paused' })
    await b.close()
    const error = await b.collection('cards').get('p1').catch((e: unknown) => e)
    expect((error as AccordError).code).toBe('closed')
  })
})
