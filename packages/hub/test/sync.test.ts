import type { PullResponse, PushResponse } from '@accord/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHub, storeState, until, type TestHub } from './helpers/harness.js'
import { storeFactories } from './helpers/store-factories.js'
import { connectReplica, type TestReplica } from './helpers/test-replica.js'

function ok<T extends { ok: boolean }>(response: T): Extract<T, { ok: true }> {
  if (!response.ok) throw new Error(`expected ok, got ${JSON.stringify(response)}`)
  return response as Extract<T, { ok: true }>
}

describe.each(storeFactories)('hub sync over real sockets on $name', (storeFactory) => {
  let t: TestHub
  const open: TestReplica[] = []
  const connect = async (...args: Parameters<typeof connectReplica> extends [string, ...infer R] ? R : never) => {
    const replica = await connectReplica(t.url, ...args)
    open.push(replica)
    return replica
  }
  beforeEach(async () => {
    t = await startHub({ storeFactory })
  })
  afterEach(async () => {
    for (const replica of open.splice(0)) replica.close()
    await t.stop()
  })

  it('welcomes a replica with storeId, head, principal, watermarks and limits', async () => {
    const a = await connect({ space: 'team-1' })
    expect(a.welcome).toMatchObject({ v: 1, head: 0, principal: 'anonymous', watermarks: {} })
    expect(a.welcome.storeId).toBe((await t.store.openSpace('team-1')).storeId)
    expect(a.welcome.limits).toEqual({ batchChanges: 500, batchBytes: 1_000_000, recordBytes: 256_000, maxClockDriftMs: 60_000 })
    expect(Math.abs(a.welcome.hubTime - Date.now())).toBeLessThan(5000)
  })

  it('broadcasts one commits message per batch to every replica of the space, and to no other space', async () => {
    const a = await connect({ space: 'team-1' })
    const b = await connect({ space: 'team-1' })
    const c = await connect({ space: 'team-2' })
    const ack = ok(await a.push([a.change('cards', 'c1', 'put', { id: 'c1', title: 'Hi' }, { open: true }), a.change('cards', 'c2', 'put', { id: 'c2', title: 'Yo' })]))
    expect(ack).toMatchObject({ through: { [a.writer]: 2 }, seq: 2, rejected: [] })
    await b.waitForCommit((commit) => commit.seq === 2)
    await a.waitForCommit((commit) => commit.seq === 2)
    expect(b.messages).toHaveLength(1)
    expect(b.messages[0]?.commits.map((x) => [x.seq, x.key, x.by, x.through])).toEqual([[1, 'c1', a.replicaId, 1], [2, 'c2', a.replicaId, 2]])
    // c is in another space: its own push comes back, a's never does.
    ok(await c.push([c.change('cards', 'x', 'put', { id: 'x' })]))
    await c.waitForCommit((commit) => commit.key === 'x')
    expect(c.commits.map((x) => x.key)).toEqual(['x'])
    expect((await t.store.openSpace('team-2')).head).toBe(1)
  })

  it('settles concurrent pushes of several replicas one batch at a time; everyone hears every commit once, in seq order', async () => {
    const replicas = await Promise.all(Array.from({ length: 4 }, () => connect()))
    const perReplica = 15
    await Promise.all(
      replicas.map(async (r, i) => {
        for (let j = 0; j < perReplica; j++) {
          // Everyone edits the same few records: the decider sees each batch after the one before.
          const change = j === 0 ? r.change('cards', `own-${i}`, 'put', { id: `own-${i}` }) : r.change('cards', `own-${i}`, 'patch', { title: `t${j}` }, { base: 0 })
          ok(await r.push([change]))
        }
      }),
    )
    const total = replicas.length * perReplica
    expect((await t.store.openSpace('team-1')).head).toBe(total)
    for (const r of replicas) {
      await r.waitForCommit((commit) => commit.seq === total)
      expect(r.commits.map((commit) => commit.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1))
      expect(r.messages).toHaveLength(total)
    }
  })

  it('lets a replica reconnect and resume from its cursor', async () => {
    const a = await connect({ space: 'team-1', replicaId: 'ra', writers: ['wa'] })
    ok(await a.push([a.change('cards', 'k1', 'put', { id: 'k1' }), a.change('cards', 'k2', 'put', { id: 'k2' })]))
    const cursor = 2
    a.close()
    const b = await connect({ space: 'team-1' })
    ok(await b.push([b.change('cards', 'k3', 'put', { id: 'k3' }), b.change('cards', 'k1', 'patch', { title: 'B' }, { base: 1 })]))
    const again = await connect({ space: 'team-1', replicaId: 'ra', writers: ['wa'] })
    expect(again.welcome).toMatchObject({ head: 4, watermarks: { wa: 2 } })
    const page = ok(await again.pull(cursor, 1))
    expect(page.records.map((r) => [r.key, r.version])).toEqual([['k3', 3]])
    expect(page).toMatchObject({ until: 3, more: true, watermarks: { wa: 2 } })
    const rest = ok(await again.pull(page.until, 1))
    expect(rest.records).toEqual([expect.objectContaining({ key: 'k1', version: 4, value: { id: 'k1', title: 'B', votes: 0, tags: [] } })])
    expect(rest).toMatchObject({ until: 4, head: 4, more: false })
  })

  it('acknowledges a duplicate push with its watermark and writes nothing again', async () => {
    const a = await connect()
    const changes = [a.change('cards', 'c1', 'put', { id: 'c1', title: 'one' }), a.change('cards', 'c1', 'patch', { title: 'two' }, { base: 1 })]
    ok(await a.push(changes))
    const before = await storeState(t.store, 'team-1')
    const again = ok(await a.push(changes))
    expect(again).toEqual({ ok: true, through: { [a.writer]: 2 }, seq: 2, rejected: [] })
    expect(await storeState(t.store, 'team-1')).toEqual(before)
    // Half old, half new: only the new change is applied.
    const next = a.change('cards', 'c1', 'patch', { title: 'three' }, { base: 2 })
    expect(ok(await a.push([changes[1], next]))).toMatchObject({ through: { [a.writer]: 3 }, seq: 3 })
  })

  it('refuses an out-of-order push with the watermark; the replica re-sends from there', async () => {
    const a = await connect()
    const [c1, c2, c3] = [a.change('cards', 'a', 'put', { id: 'a' }), a.change('cards', 'b', 'put', { id: 'b' }), a.change('cards', 'c', 'put', { id: 'c' })]
    ok(await a.push([c1]))
    const refused = (await a.push([c3])) as Extract<PushResponse, { ok: false }>
    expect(refused.error).toMatchObject({ code: 'out_of_order', details: { writer: a.writer, watermark: 1 } })
    expect(ok(await a.push([c2, c3]))).toMatchObject({ through: { [a.writer]: 3 }, seq: 3 })
  })

  it('lets a replica that missed a broadcast notice the gap and fill it with a pull', async () => {
    const a = await connect()
    const b = await connect()
    ok(await a.push([a.change('cards', 'x', 'put', { id: 'x', title: 'missed' })]))
    await b.waitForCommit((commit) => commit.seq === 1)
    b.commits.length = 0 // as if the broadcast of seq 1 had been lost
    let cursor = 0
    ok(await a.push([a.change('cards', 'y', 'put', { id: 'y' })]))
    const next = await b.waitForCommit((commit) => commit.seq > cursor)
    expect(next.seq).toBe(cursor + 2) // a gap: seq 1 never applied
    const page = ok(await b.pull(cursor)) as Extract<PullResponse, { ok: true }>
    expect(page.records.map((r) => r.key)).toEqual(['x', 'y'])
    cursor = page.until
    expect(cursor).toBe(2)
  })

  it('sends a refusal ConflictRecord to its writer only', async () => {
    const a = await connect()
    const b = await connect()
    const bad = a.change('cards', 'c1', 'put', { id: 'c1', title: 42 })
    const ack = ok(await a.push([bad]))
    expect(ack.rejected).toEqual([{ writer: a.writer, tx: bad.tx, code: 'validation_failed' }])
    const mine = await a.waitForCommit((commit) => commit.seq === 1)
    const theirs = await b.waitForCommit((commit) => commit.seq === 1)
    expect(mine.conflict).toMatchObject({ code: 'validation_failed', private: true, rejected: true })
    expect(mine.rejected).toBe('validation_failed')
    expect(theirs.conflict).toBeUndefined()
    expect(theirs.rejected).toBe('validation_failed')
    expect((await t.store.pull('team-1', { since: 0, limit: 10, replica: b.replicaId })).records).toEqual([])
  })

  it('awaits async validators before writing', async () => {
    const a = await connect()
    const ack = ok(await a.push([a.change('docs', 'd1', 'put', { id: 'd1', title: 'fine' }), a.change('docs', 'd2', 'put', { id: 'd2', title: 7 })]))
    expect(ack.rejected.map((r) => r.code)).toEqual(['validation_failed'])
    const page = await t.store.pull('team-1', { since: 0, limit: 10, replica: a.replicaId })
    expect(page.records.map((r) => r.key)).toEqual(['d1'])
  })

  it('answers head requests and announces the head to the room on its interval', async () => {
    await t.stop()
    t = await startHub({ headIntervalMs: 50, storeFactory })
    const a = await connect()
    const b = await connect()
    ok(await a.push([a.change('cards', 'x', 'put', { id: 'x' })]))
    expect(await b.socket.timeout(5000).emitWithAck('head')).toEqual({ ok: true, head: 1 })
    await until(() => b.heads.includes(1), 5000, 'a head announcement')
  })

  it('disconnects the older connection when a new one declares its own writer (leader handover)', async () => {
    const first = await connect({ replicaId: 'r1', writers: ['w1'] })
    const gone = new Promise<string>((resolve) => first.socket.once('disconnect', resolve))
    const clone = await connect({ replicaId: 'r1', writers: ['w2'] })
    const second = await connect({ replicaId: 'r1', writers: ['w3', 'w1'] })
    expect(await gone).toBe('io server disconnect')
    expect(clone.socket.connected).toBe(true)
    expect(second.socket.connected).toBe(true)
  })

  it("judges a push sent before the previous one's ack with the writers that one first used", async () => {
    const a = await connect({ replicaId: 'r1', writers: ['own'] })
    const put = a.change('notes', 'x', 'put', { title: 'a' }, { writer: 'first-used-here', n: 1 })
    const patch = a.change('notes', 'x', 'patch', { title: 'b' }, { n: 1 })
    // Not awaiting the first ack: the second push still has base 0 for x.
    const [first, second] = await Promise.all([a.push([put]), a.push([patch])])
    expect(ok(first).seq).toBe(1)
    expect(ok(second).seq).toBe(2)
    // x's last commit came from one of this connection's writers (DESIGN §3 rule 3): no manual() conflict.
    const commit = await a.waitForCommit((c) => c.seq === 2)
    expect(commit).toMatchObject({ set: { title: 'b' } })
    expect(commit.conflict).toBeUndefined()
  })

  it('lets copies of one database that share older writers coexist', async () => {
    const original = await connect({ replicaId: 'r1', writers: ['own-a', 'old'] })
    const copy = await connect({ replicaId: 'r1', writers: ['own-b', 'old'] })
    expect(await copy.socket.timeout(5000).emitWithAck('head')).toMatchObject({ ok: true })
    expect(original.socket.connected).toBe(true)
    expect(copy.socket.connected).toBe(true)
  })

  it('purges tombstones past the retention period; an older cursor then gets cursor_expired', async () => {
    await t.stop()
    t = await startHub({ headIntervalMs: 20, limits: { retentionMs: 100 } })
    const a = await connect()
    ok(await a.push([a.change('cards', 'x', 'put', { id: 'x' })]))
    ok(await a.push([a.change('cards', 'x', 'delete')]))
    await until(async () => (await t.store.openSpace('team-1')).purgedThrough >= 2, 5000, 'a purge')
    const page = await a.pull(1)
    expect(page).toMatchObject({ ok: false, error: { code: 'cursor_expired' } })
    const fresh = await a.pull(0)
    expect(fresh.ok && fresh.records.some((r) => r.key === 'x')).toBe(false)
    expect(fresh.ok && fresh.purgedThrough).toBeGreaterThanOrEqual(2)
    // A catch-up whose first page saw an older horizon cannot page on past a purge.
    const stale = await a.socket.timeout(5000).emitWithAck('pull', { v: 1, since: 1, limit: 10, origin: 0, horizon: 0 })
    expect(stale).toMatchObject({ ok: false, error: { code: 'cursor_expired' } })
  })

  it("refuses a handshake declaring another replica's writer", async () => {
    const owner = await connect({ replicaId: 'r1', writers: ['w1'] })
    ok(await owner.push([owner.change('cards', 'x', 'put', { id: 'x' })]))
    await expect(connect({ replicaId: 'r2', writers: ['w9', 'w1'] })).rejects.toMatchObject({ data: { code: 'foreign_writer' } })
    expect(owner.socket.connected).toBe(true)
  })
})
