/**
 * `wire: 3` on a real Socket.IO hub: a batch reaches every socket of its author's replica (the
 * sender, and a copy of its database on another connection) as the author's copy, with `by`,
 * `writer` and `through`, and every other `wire: 3` socket as the room copy, without them; `wire: 2`
 * and logical sockets get the whole batch as before.
 */
import { COMMIT_FLAGS, encodeWireCommits, UNKNOWN_NODE } from '@accord/core/internal'
import { decodeHlc, type Commit, type CommitsMessage } from '@accord/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHub, until, type TestHub } from './helpers/harness.js'
import { connectReplica, type ConnectOptions, type TestReplica } from './helpers/test-replica.js'

/** The first commit tuple of a compact frame starts an author run in the author's copy only. */
const startsRun = (raw: unknown): boolean => Array.isArray(raw) && (((raw[1] as unknown[])[0] as number) & COMMIT_FLAGS.RUN) !== 0

describe('room copies (wire 3) on a real hub', () => {
  let t: TestHub
  const open: TestReplica[] = []
  const connect = async (options: ConnectOptions): Promise<TestReplica> => {
    const replica = await connectReplica(t.url, options)
    open.push(replica)
    return replica
  }
  beforeEach(async () => {
    t = await startHub()
  })
  afterEach(async () => {
    for (const replica of open.splice(0)) replica.close()
    await t.stop()
  })

  /** The sender, a copy of its database, another wire-3 replica, a wire-2 one and a logical one. */
  async function room(): Promise<{ author: TestReplica; copy: TestReplica; other: TestReplica; v2: TestReplica; logical: TestReplica }> {
    const author = await connect({ replicaId: 'r1', writers: ['own-a', 'old'], wire: 3 })
    const copy = await connect({ replicaId: 'r1', writers: ['own-b', 'old'], wire: 3 })
    const other = await connect({ replicaId: 'r2', wire: 3 })
    const v2 = await connect({ replicaId: 'r3', wire: 2 })
    const logical = await connect({ replicaId: 'r4' })
    return { author, copy, other, v2, logical }
  }

  const waitAll = (replicas: TestReplica[], seq: number): Promise<unknown> => Promise.all(replicas.map((r) => r.waitForCommit((c) => c.seq === seq)))

  it('joins each socket to its encoding\'s room, and wire-3 sockets to their replica\'s', async () => {
    const { author, copy, other, v2 } = await room()
    const members = async (name: string): Promise<string[]> => (await t.hub.io.in(name).fetchSockets()).map((s) => s.id).sort()
    const ids = (...rs: TestReplica[]): string[] => rs.map((r) => r.socket.id as string).sort()
    expect(await members('space:team-1#wire3')).toEqual(ids(author, copy, other))
    expect(await members('space:team-1#wire3@r1')).toEqual(ids(author, copy))
    expect(await members('space:team-1#wire2')).toEqual(ids(v2))
    expect((await t.hub.io.in('space:team-1').fetchSockets()).length).toBe(5)
  })

  it("sends the author's copy to the author's sockets, the room copy to other wire-3 sockets", async () => {
    const all = await room()
    const { author, copy, other, v2, logical } = all
    const change = author.change('cards', 'c1', 'put', { id: 'c1', title: 'Hi' })
    await author.push([change])
    await waitAll(Object.values(all), 1)

    // The logical socket gets the batch as the hub decided it.
    const whole = (logical.raw[0] as CommitsMessage).commits[0] as Commit
    expect(whole).toMatchObject({ seq: 1, pv: 0, col: 'cards', key: 'c1', by: 'r1', writer: 'own-a', through: 1, tx: 1 })
    expect(whole.hlc['title']).toBe(change.hlc)
    for (const r of [author, copy, v2]) {
      expect(startsRun(r.raw[0])).toBe(true)
      expect(r.commits).toEqual([whole])
    }
    expect(JSON.stringify(copy.raw[0])).toBe(JSON.stringify(author.raw[0]))
    // The room copy, most of what a replica receives, travels under the one-letter event `c`.
    expect([author, copy, v2, logical, other].map((r) => r.events)).toEqual([['commits'], ['commits'], ['commits'], ['commits'], ['c']])

    // The room copy names neither the replica nor its writer, and carries the clock without its node.
    const frame = JSON.stringify(other.raw[0])
    expect(startsRun(other.raw[0])).toBe(false)
    expect(frame).not.toContain('r1')
    expect(frame).not.toContain('own-a')
    const [received] = other.commits
    const { by: _by, writer: _writer, through: _through, tx: _tx, hlc: _hlc, ...rest } = whole
    expect(received).toMatchObject(rest)
    expect(Object.keys(received ?? {}).filter((k) => ['by', 'writer', 'through', 'tx'].includes(k))).toEqual([])
    const clock = decodeHlc(received?.hlc['title'] ?? '')
    expect(clock).toEqual({ ...decodeHlc(change.hlc), node: UNKNOWN_NODE })
    expect(other.raw[0]).toEqual(encodeWireCommits({ v: 1, commits: [whole] }, 'room'))
  })

  it("gives a private refusal to the sender only, and the copy the author's copy without it", async () => {
    const all = await room()
    const { author, copy, other, v2, logical } = all
    // A title that is not a string fails the collection's schema: a refusal only its writer sees.
    await author.push([author.change('cards', 'bad', 'put', { id: 'bad', title: 7 as unknown as string })])
    await waitAll(Object.values(all), 1)
    expect(author.commits[0]?.conflict).toMatchObject({ private: true, code: 'validation_failed' })
    for (const r of [copy, other, v2, logical]) expect(r.commits[0]?.conflict).toBeUndefined()
    expect(startsRun(copy.raw[0])).toBe(true)
    expect(copy.commits[0]).toMatchObject({ by: 'r1', writer: 'own-a', through: 1, rejected: 'validation_failed' })
    expect(startsRun(other.raw[0])).toBe(false)
    expect(other.commits[0]).toEqual({ seq: 1, pv: 0, col: 'cards', key: 'bad', hlc: {}, rejected: 'validation_failed' })
    // Each socket got the batch once.
    await until(() => Object.values(all).every((r) => r.messages.length === 1), 2000, 'one message each')
  })

  it("sends a copy of the author's database the author's copy of a change they both hold", async () => {
    const { author, copy, other } = await room()
    // Both copies hold `old#1` (written before the database was copied); one pushes it.
    const pending = { ...author.change('cards', 'shared', 'put', { id: 'shared', title: 'from before the copy' }), writer: 'old', n: 1, ord: 1, tx: 1 }
    await author.push([pending])
    const seen = await copy.waitForCommit((c) => c.key === 'shared')
    expect(seen).toMatchObject({ writer: 'old', through: 1, by: 'r1' })
    // The copy's push of the same change is settled already: acknowledged, no new commit.
    expect(await copy.push([pending])).toMatchObject({ ok: true, through: { old: 1 }, seq: 1 })
    await other.waitForCommit((c) => c.key === 'shared')
    expect(other.messages.map((m: CommitsMessage) => m.commits.length)).toEqual([1])
    expect(other.commits[0]?.writer).toBeUndefined()
  })
})
