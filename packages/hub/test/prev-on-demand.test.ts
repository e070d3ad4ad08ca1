/**
 * Prev on demand over real sockets (protocol §2): a push whose conflicting change came without
 * `prev` is refused `prev_required` whole (nothing stored, nothing broadcast); the same push with
 * `prev` is then settled, its `prev` the conflict's base. In both encodings, where an absent
 * `prev` and an empty one (`{}`) must stay apart.
 */
import { PROTOCOL_VERSION, type Change, type PushResponse } from '@accord/core'
import { encodeWirePush, withoutPrev, type WirePush } from '@accord/core/internal'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHub, storeState, type TestHub } from './helpers/harness.js'
import { ACK_TIMEOUT_MS, connectReplica, type TestReplica } from './helpers/test-replica.js'

const SPACE = 'team-1'
let t: TestHub
const open: TestReplica[] = []

beforeEach(async () => {
  t = await startHub()
})
afterEach(async () => {
  for (const replica of open.splice(0)) replica.close()
  await t.stop()
})

async function connect(wire?: number): Promise<TestReplica> {
  const replica = await connectReplica(t.url, { space: SPACE, ...(wire === undefined ? {} : { wire }) })
  open.push(replica)
  return replica
}

function ok(response: PushResponse): Extract<PushResponse, { ok: true }> {
  if (!response.ok) throw new Error(`expected ok, got ${JSON.stringify(response)}`)
  return response
}

/** c1 created by `a` (seq 1), its title changed by `b`, who saw it (seq 2). */
async function remoteEdit(a: TestReplica, b: TestReplica): Promise<void> {
  ok(await a.push([a.change('cards', 'c1', 'put', { id: 'c1', title: 't0' }, { prev: {} })]))
  ok(await b.push([b.change('cards', 'c1', 'patch', { title: 'B' }, { base: 1, prev: { title: 't0' } })]))
}

describe.each([
  ['logical JSON', undefined],
  ['compact (wire: 2)', 2],
])('prev on demand, %s', (_name, wire) => {
  const send = (r: TestReplica, changes: Change[]): Promise<PushResponse> => {
    if (wire !== 2) return r.push(changes)
    const frame: WirePush = encodeWirePush({ v: PROTOCOL_VERSION, changes }, { replica: r.replicaId, writers: [r.writer], epoch: r.welcome.hubTime })
    return r.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('push', frame)
  }

  it('refuses a conflicting change without prev, stores and broadcasts nothing, then settles it sent with prev', async () => {
    const [a, b, observer] = [await connect(wire), await connect(), await connect()]
    await remoteEdit(a, b)
    await observer.waitForCommit((c) => c.seq === 2)
    const before = await storeState(t.store, SPACE)

    const change = a.change('cards', 'c1', 'patch', { title: 'A' }, { base: 1, prev: { title: 't0' } })
    const refused = await send(a, [withoutPrev(change)])
    expect(refused).toMatchObject({ ok: false, error: { code: 'prev_required', details: { writer: a.writer, n: 2 } } })
    expect(await storeState(t.store, SPACE)).toEqual(before)
    expect(await t.store.watermarks(SPACE, [a.writer])).toEqual({ [a.writer]: 1 })

    const settled = ok(await send(a, [change]))
    expect(settled).toMatchObject({ through: { [a.writer]: 2 }, seq: 3, rejected: [] })
    const commit = await observer.waitForCommit((c) => c.seq === 3)
    expect(commit.conflict).toMatchObject({ fields: ['title'], base: { title: 't0' }, remote: { title: 'B' } })
    // One message per settled batch, none for the refused push.
    expect(observer.messages.map((m) => m.commits.map((c) => c.seq))).toEqual([[1], [2], [3]])
  })

  it('keeps an empty prev apart from an absent one', async () => {
    const [a, b] = [await connect(wire), await connect()]
    ok(await b.push([b.change('cards', 'c1', 'put', { id: 'c1', title: 'B' }, { prev: {} })]))
    // a creates c1 too, unaware of b's: it saw none of the fields.
    const create = a.change('cards', 'c1', 'put', { id: 'c1', title: 'A' }, { prev: {} })
    expect(await send(a, [withoutPrev(create)])).toMatchObject({ ok: false, error: { code: 'prev_required' } })
    ok(await send(a, [create]))
    const commit = await a.waitForCommit((c) => c.seq === 2)
    expect(commit.conflict).toMatchObject({ fields: ['title'], base: {} })
  })

  it('settles a change without prev that meets no conflict', async () => {
    const [a, b] = [await connect(wire), await connect()]
    await remoteEdit(a, b)
    const ack = ok(await send(a, [a.change('cards', 'c1', 'patch', { listId: 'l2' }, { base: 1 })]))
    expect(ack).toMatchObject({ seq: 3, rejected: [] })
    const commit = await a.waitForCommit((c) => c.seq === 3)
    expect(commit.conflict).toBeUndefined()
  })
})
