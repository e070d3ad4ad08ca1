/**
 * Prev on demand end to end (protocol §2): a real hub on loopback and in-process replicas
 * speaking the compact encoding. A change leaves `prev` out unless its replica knows the record
 * moved since the write; a conflict the replica did not foresee is refused `prev_required`, and
 * the same push comes again at once with `prev`.
 */
import { PUSH_FLAGS } from '@accord/core/internal'
import { afterEach, describe, expect, it } from 'vitest'
import { schema } from './fixtures/schema.js'
import { until, type TestReplica } from './helpers/replica.js'
import { reconcile, Scenario, settle, twoOfflineReplicas } from './helpers/scenario.js'

let s: Scenario
afterEach(async () => {
  await s.dispose()
})

const card = { id: 'c1', title: 'base', listId: 'l1', votes: 0, tags: [] }

/** From now on, per replica: whether each change of each compact push the hub receives carries `prev`. */
function prevFlags(s: Scenario): Map<string, boolean[][]> {
  const seen = new Map<string, boolean[][]>()
  const watch = (socket: { data: { replica: string }; onAny: (listener: (event: string, payload: unknown) => void) => void }): void => {
    const pushes = seen.get(socket.data.replica) ?? []
    seen.set(socket.data.replica, pushes)
    socket.onAny((event, payload) => {
      if (event !== 'push' || !Array.isArray(payload)) return
      pushes.push(payload.map((tuple) => (((tuple as number[])[0] as number) & PUSH_FLAGS.PREV) !== 0))
    })
  }
  for (const socket of s.hub.hub.io.sockets.sockets.values()) watch(socket)
  s.hub.hub.io.on('connection', watch)
  return seen
}

const pushesOf = (frames: Map<string, boolean[][]>, replica: TestReplica): boolean[][] => frames.get(replica.replicaId) ?? []

/** A replica creates a record, settles, then edits it: whether each change of that edit's pushes carried `prev`. */
async function prevOfAnEdit(s: Scenario): Promise<boolean[][]> {
  const a = await s.replica('a')
  await a.put('cards', card)
  await settle(a)
  const frames = prevFlags(s)
  await a.update('cards', 'c1', { title: 'renamed' })
  await settle(a)
  return pushesOf(frames, a)
}

describe('prev on demand', () => {
  it('leaves prev out of an edit of a record nobody moved since', async () => {
    s = await new Scenario(schema).start()
    expect(await prevOfAnEdit(s)).toEqual([[false]])
  })

  it('sends prev on every change to a hub that does not announce prev on demand (an older hub)', async () => {
    s = await new Scenario(schema).start()
    // An older hub's welcome: without `prevOnDemand`, it would read an absent prev as none.
    s.hub.hub.io.on('connection', (socket) => {
      const emit = socket.emit.bind(socket) as (event: string, ...args: unknown[]) => boolean
      ;(socket as unknown as { emit: typeof emit }).emit = (event, ...args) => {
        if (event !== 'welcome') return emit(event, ...args)
        const { prevOnDemand: _announced, ...older } = args[0] as Record<string, unknown>
        return emit(event, older)
      }
    })
    expect(await prevOfAnEdit(s)).toEqual([[true]])
  })

  it('sends prev at once when the replica already knows the record moved (back online after a remote edit)', async () => {
    s = await new Scenario(schema).start()
    const [a, b] = await twoOfflineReplicas(s, [{ col: 'cards', value: card }])
    const frames = prevFlags(s)
    await a.update('cards', 'c1', { title: 'from a' })
    await b.update('cards', 'c1', { title: 'from b' })
    // b settles first; a then catches up before pushing, so it knows its write missed b's.
    await reconcile(b, a)
    expect(pushesOf(frames, b)).toEqual([[false]])
    expect(pushesOf(frames, a)).toEqual([[true]])
    const conflict = (await a.conflicts()).find((c) => c.key === 'c1')
    expect(conflict).toMatchObject({ fields: ['title'], base: { title: 'base' } })
  })

  it('sends the push again with prev when the hub meets a conflict the replica did not expect', async () => {
    // b's push is held in the hub's authorize hook until a's push has reached the hub: a writes
    // on a record it believes unchanged, and its push is decided after b's.
    let bHeld: () => void = () => undefined
    const bArrived = new Promise<void>((resolve) => (bHeld = resolve))
    let releaseB: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (releaseB = resolve))
    s = await new Scenario(schema).start({
      authorize: async ({ action, after }) => {
        if (action === 'write' && after?.['title'] === 'from b') {
          bHeld()
          await gate
        }
        return true
      },
    })
    const a = await s.replica('a')
    const b = await s.replica('b')
    await a.put('cards', card)
    await settle(a, b)
    const frames = prevFlags(s)

    await b.update('cards', 'c1', { title: 'from b' })
    await bArrived
    await a.update('cards', 'c1', { title: 'from a' })
    await until(() => pushesOf(frames, a).length === 1, 'a’s push to reach the hub')
    releaseB()
    await settle(a, b)

    // First without prev, refused (prev_required), then the same change with prev.
    expect(pushesOf(frames, a)).toEqual([[false], [true]])
    const conflict = (await b.conflicts()).find((c) => c.key === 'c1')
    expect(conflict).toMatchObject({ policy: 'fieldMerge', fields: ['title'], base: { title: 'base' }, remote: { title: 'from b' } })
    expect(await a.get('cards', 'c1')).toEqual(await b.get('cards', 'c1'))
    expect(a.status.pending).toBe(0)
    expect(a.status.error).toBeUndefined()
  })
})
