/**
 * The wire encodings end to end: a replica that announces `wire: 3` (the default), one that
 * announces `wire: 2` and one that speaks the logical JSON messages share a space on one hub and
 * converge through every kind of write, conflicts, a manual resolution and private refusals. The
 * hub keeps one room per encoding; the `wire: 3` replica gets other replicas' batches as room
 * copies (no authors) and its own as the author's copy.
 */
import type { CommitsMessage, ConflictRecord, RecordValue } from '@accord/core'
import { decodeWireCommits, roomCopyOf } from '@accord/core/internal'
import { afterEach, describe, expect, it } from 'vitest'
import { schema } from './fixtures/schema.js'
import type { TestReplica } from './helpers/replica.js'
import { reconcile, Scenario, settle } from './helpers/scenario.js'

let s: Scenario | undefined
afterEach(async () => {
  await s?.dispose()
})

const SOCKET = { ackTimeoutMs: 3000, connectTimeoutMs: 3000 }

async function everything(replica: TestReplica): Promise<Record<string, RecordValue[]>> {
  const out: Record<string, RecordValue[]> = {}
  for (const col of Object.keys(schema.collections)) out[col] = await replica.find(col)
  return out
}

/** Conflicts as every replica sees them (a refusal only its writer: compared apart). */
function shared(conflicts: ConflictRecord[]): ConflictRecord[] {
  return conflicts.filter((c) => !c.private).sort((x, y) => x.id - y.id)
}

describe('wire 3, wire 2 and verbose replicas in one space', () => {
  it('use one room per encoding and converge through every kind of write', async () => {
    s = await new Scenario(schema).start({
      // A private refusal (its ConflictRecord reaches its writer only) in both encodings.
      authorize: ({ action, after }) => action !== 'write' || after?.['title'] !== 'forbidden',
    })
    const slim = await s.replica('slim')
    const compact = await s.replica('compact', { runtime: { socket: { ...SOCKET, wire: 2 } } })
    const verbose = await s.replica('verbose', { runtime: { socket: { ...SOCKET, wire: 1 } } })
    await settle(slim, compact, verbose)

    const sockets = await s.hub.hub.io.in('space:team-1').fetchSockets()
    expect(sockets.map((x) => [x.data.replica, x.data.wire]).sort()).toEqual([[slim.replicaId, 3], [compact.replicaId, 2], [verbose.replicaId, 1]].sort())
    const compactRoom = await s.hub.hub.io.in('space:team-1#wire2').fetchSockets()
    expect(compactRoom.map((x) => x.data.replica)).toEqual([compact.replicaId])
    const slimRoom = await s.hub.hub.io.in('space:team-1#wire3').fetchSockets()
    expect(slimRoom.map((x) => x.data.replica)).toEqual([slim.replicaId])
    // What each socket sends and is sent, as the hub's Socket.IO layer sees it.
    const frames = new Map<string, { pushes: unknown[]; commits: unknown[] }>()
    for (const socket of s.hub.hub.io.sockets.sockets.values()) {
      const seen = { pushes: [] as unknown[], commits: [] as unknown[] }
      frames.set(socket.data.replica, seen)
      socket.onAny((event: string, payload: unknown) => void (event === 'push' && seen.pushes.push(payload)))
      socket.onAnyOutgoing((event: string, payload: unknown) => void ((event === 'commits' || event === 'c') && seen.commits.push(payload)))
    }

    for (const [replica, tag] of [[slim, 's'], [compact, 'c'], [verbose, 'v']] as const) {
      await replica.put('cards', { id: `${tag}-ü名`, title: `Grüße ${tag} 😀`, listId: 'l1', votes: 0, tags: [], 'é clé': { nested: [1, null, 'x'] } })
      await replica.write(
        { op: 'update', col: 'cards', key: `${tag}-ü名`, patch: { title: `renamed ${tag}`, 'é clé': undefined } },
        { op: 'increment', col: 'cards', key: `${tag}-ü名`, field: 'votes', by: 3 },
        { op: 'addToSet', col: 'cards', key: `${tag}-ü名`, field: 'tags', elements: ['red', { deep: true }] },
      )
      await replica.write({ op: 'removeFromSet', col: 'cards', key: `${tag}-ü名`, field: 'tags', elements: ['red'] })
      await replica.put('profiles', { id: `${tag}-p`, name: tag })
      await replica.write({ op: 'delete', col: 'profiles', key: `${tag}-p` })
      await replica.put('cards', { id: `${tag}-refused`, title: 'forbidden', listId: 'l1', votes: 0, tags: [] })
    }
    await compact.put('notes', { id: 'n1', body: 'base', tag: 't' })
    await settle(slim, compact, verbose)

    // Both offline, both edit the same fields: counters add up, a manual conflict opens.
    await compact.pause()
    await verbose.pause()
    await compact.write({ op: 'update', col: 'notes', key: 'n1', patch: { body: 'from compact' } }, { op: 'increment', col: 'cards', key: 'v-ü名', field: 'votes', by: 10 })
    await verbose.write({ op: 'update', col: 'notes', key: 'n1', patch: { body: 'from verbose', tag: 'u' } }, { op: 'increment', col: 'cards', key: 'v-ü名', field: 'votes', by: 100 })
    await reconcile(compact, verbose)
    const open = shared(await verbose.conflicts()).find((c) => c.key === 'n1' && c.open)
    expect(open).toBeDefined()
    await verbose.write({ op: 'resolve', col: 'notes', key: 'n1', conflictId: (open as ConflictRecord).id, values: { body: 'both' } })
    await slim.write({ op: 'increment', col: 'cards', key: 'v-ü名', field: 'votes', by: 1000 })
    await settle(verbose, compact, slim)

    // The compact replicas pushed compact frames, the verbose one logical messages; every broadcast
    // reached each in its own encoding, and the compact ones decode to the very logical messages
    // the verbose socket was sent (where no private refusal made them differ): whole for `wire: 2`
    // and for the `wire: 3` replica's own batches, as room copies for its other ones.
    const c = frames.get(compact.replicaId) as { pushes: unknown[]; commits: unknown[] }
    const v = frames.get(verbose.replicaId) as { pushes: unknown[]; commits: unknown[] }
    expect(c.pushes.length).toBeGreaterThan(5)
    expect(c.pushes.every(Array.isArray)).toBe(true)
    expect(v.pushes.every((p) => !Array.isArray(p))).toBe(true)
    expect(c.commits.length).toBe(v.commits.length)
    expect(c.commits.every(Array.isArray)).toBe(true)
    const decoded = c.commits.map((m) => decodeWireCommits(m))
    expect(decoded.every((d) => d.ok)).toBe(true)
    const logical = decoded.map((d) => (d.ok ? d.value : undefined)) as CommitsMessage[]
    const comparable = logical.map((m, i) => [m, v.commits[i] as CommitsMessage] as const).filter(([m, w]) => !m.commits.concat(w.commits).some((x) => x.conflict?.private))
    expect(comparable.length).toBeGreaterThan(5)
    for (const [m, w] of comparable) expect(m).toEqual(JSON.parse(JSON.stringify(w)))

    const sl = frames.get(slim.replicaId) as { pushes: unknown[]; commits: unknown[] }
    expect(sl.pushes.every(Array.isArray)).toBe(true)
    // The slim replica never paused: it also saw batches sent while the others were offline.
    const verboseBySeq = new Map((v.commits as CommitsMessage[]).map((w) => [w.commits[0]?.seq, w]))
    const slimDecoded = sl.commits.map((m) => decodeWireCommits(m)).map((d) => (d.ok ? d.value : undefined)) as CommitsMessage[]
    expect(slimDecoded.every((m) => m !== undefined)).toBe(true)
    let own = 0
    let others = 0
    for (const m of slimDecoded) {
      const w = verboseBySeq.get(m.commits[0]?.seq)
      if (!w || m.commits.concat(w.commits).some((x) => x.conflict?.private)) continue
      const mine = w.commits.every((x) => x.by === slim.replicaId)
      if (mine) own += 1
      else others += 1
      expect(m).toEqual(JSON.parse(JSON.stringify(mine ? w : roomCopyOf(w))))
    }
    expect([own > 3, others > 3]).toEqual([true, true])

    const state = await everything(compact)
    expect(await everything(verbose)).toEqual(state)
    expect(await everything(slim)).toEqual(state)
    expect(state['cards']?.find((c) => c['id'] === 'v-ü名')).toMatchObject({ title: 'renamed v', votes: 1113, tags: [{ deep: true }] })
    expect(state['cards']?.find((c) => c['id'] === 'c-ü名')).toEqual({ id: 'c-ü名', title: 'renamed c', listId: 'l1', votes: 3, tags: [{ deep: true }] })
    expect(state['cards']?.some((c) => String(c['id']).endsWith('refused'))).toBe(false)
    expect(state['profiles']).toEqual([])
    expect(state['notes']).toEqual([{ id: 'n1', body: 'both', tag: 'u' }])
    expect(shared(await compact.conflicts())).toEqual(shared(await verbose.conflicts()))
    expect(shared(await slim.conflicts())).toEqual(shared(await verbose.conflicts()))
    for (const [replica, tag] of [[slim, 's'], [compact, 'c'], [verbose, 'v']] as const) {
      const refusals = (await replica.conflicts()).filter((c) => c.private)
      expect(refusals.map((c) => [c.key, c.code])).toEqual([[`${tag}-refused`, 'unauthorized']])
    }
  })
})
