/**
 * The connection as the app and the page steer it: a lost hub leaves the replica fully usable
 * offline; `setNetwork(false)` disconnects at once and `setNetwork(true)` reconnects at once (no
 * backoff wait); once `pause()` resolved nothing is sent or received until `resume()`; with
 * several hub URLs the replica moves to the next one and continues from its cursor.
 */
import { createHub, sqliteStore, type Hub } from '@accord/hub'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { schema } from './fixtures/schema.js'
import { until } from './helpers/replica.js'
import { Scenario, settle } from './helpers/scenario.js'

let s: Scenario
beforeEach(async () => {
  s = await new Scenario(schema).start()
})
afterEach(async () => {
  await s.dispose()
})

/** Sockets the hub holds now. */
const sockets = (hub: Hub): number => hub.io.sockets.sockets.size

describe('network', () => {
  it('keeps working offline when the hub is gone: writes, reads, status', async () => {
    const a = await s.replica('a')
    await a.put('cards', { id: 'k', title: 'synced' })
    await a.flush()
    await s.hub.stop()
    await a.waitForStatus((st) => st.error?.code === 'unreachable', 'the failed reconnection')
    expect(a.status.connection).toBe('connecting')
    await a.update('cards', 'k', { title: 'offline edit' })
    await a.put('cards', { id: 'k2', title: 'offline create' })
    expect(await a.find('cards', { orderBy: 'id' })).toMatchObject([{ title: 'offline edit' }, { title: 'offline create' }])
    await a.waitForStatus((st) => st.pending === 2, 'two pending changes')
  })

  it('disconnects at once on setNetwork(false) and reconnects at once on setNetwork(true)', async () => {
    const a = await s.replica('a', { runtime: { backoff: { firstMs: 60_000, maxMs: 60_000 } } })
    await a.flush()
    expect(sockets(s.hub.hub)).toBe(1)
    await a.runtime.setNetwork(false)
    expect(a.status.connection).toBe('offline')
    await until(() => sockets(s.hub.hub) === 0, 'the hub to see the socket close')
    await a.put('cards', { id: 'k', title: 'offline' })
    const asked = Date.now()
    await a.runtime.setNetwork(true)
    await a.waitForStatus((st) => st.connection === 'online', 'the reconnection')
    expect(Date.now() - asked).toBeLessThan(5_000)
    await a.flush()
    expect(a.status.pending).toBe(0)
    await a.waitForStatus((st) => (st.lastSyncedAt ?? 0) >= asked, 'lastSyncedAt after the reconnection')
  })

  it('sends and receives nothing between pause() and resume()', async () => {
    const a = await s.replica('a')
    const b = await s.replica('b')
    await settle(a, b)
    await a.pause()
    expect(a.status).toMatchObject({ paused: true, connection: 'offline' })
    await until(() => sockets(s.hub.hub) === 1, 'the hub to see a’s socket close')
    await a.put('cards', { id: 'from-a', title: 'paused write' })
    await b.put('cards', { id: 'from-b', title: 'while a is paused' })
    await b.flush()
    expect(await b.get('cards', 'from-a')).toBeUndefined()
    expect(await a.get('cards', 'from-b')).toBeUndefined()
    expect(sockets(s.hub.hub)).toBe(1)

    // flush() waits through the pause.
    const flushed = a.flush()
    await a.resume()
    await flushed
    await settle(b)
    expect(await b.get('cards', 'from-a')).toMatchObject({ title: 'paused write' })
    expect(await a.get('cards', 'from-b')).toMatchObject({ title: 'while a is paused' })
  })

  it('fails over to the next hub URL and continues from its cursor', async () => {
    const second = await createHub({ schema, store: sqliteStore(s.hub.file), port: 0, host: '127.0.0.1', headIntervalMs: 200 })
    try {
      const secondUrl = `http://127.0.0.1:${second.port}`
      const roaming = await s.replica('roaming', { url: [s.hub.url, secondUrl] })
      const steady = await s.replica('steady', { url: secondUrl })
      await roaming.put('cards', { id: 'r1', title: 'via the first hub' })
      await settle(roaming, steady)
      expect(sockets(s.hub.hub)).toBe(1)
      const cursor = roaming.status.cursor
      expect(cursor).toBeGreaterThan(0)

      await s.hub.stop()
      await steady.put('cards', { id: 's1', title: 'via the second hub' })
      await roaming.put('cards', { id: 'r2', title: 'after the failover' })
      await settle(roaming, steady)
      expect(await roaming.get('cards', 's1')).toMatchObject({ title: 'via the second hub' })
      expect(await steady.get('cards', 'r2')).toMatchObject({ title: 'after the failover' })
      expect(roaming.status.cursor).toBeGreaterThan(cursor)

      // A first URL that never answers: the replica connects through the next one at once.
      const late = await s.replica('late', { url: ['http://127.0.0.1:9', secondUrl] })
      await late.flush()
      expect(await late.get('cards', 'r2')).toMatchObject({ title: 'after the failover' })
    } finally {
      for (const r of s.replicas.splice(0)) await r.close()
      await second.close()
    }
  })
})

describe('a catch-up longer than the hub allows requests', () => {
  it('waits out rate_limited and finishes instead of starting over', async () => {
    await s.hub.dispose()
    // 3 requests a second, a burst of 6: the 30 pages of this catch-up cannot come in one go.
    s = await new Scenario(schema).start({ limits: { requestsPerSecond: 3 } })
    const a = await s.replica('a')
    await a.write(...Array.from({ length: 30 }, (_, i) => ({ op: 'put' as const, col: 'cards', value: { id: `k${String(i).padStart(2, '0')}`, title: `t${i}` } })))
    await a.flush()
    const b = await s.replica('b', { runtime: { pullLimit: 1 } })
    await until(async () => (await b.find('cards', {})).length === 30, 'b caught up with all 30 records', 30_000)
    expect(b.status.cursor).toBeGreaterThanOrEqual(a.status.cursor)
  })
})
