/**
 * The hooks a host uses to run several runtimes of one replica (tabs with dedicated workers):
 * only the leader holds a socket; a follower's writes reach the hub through the leader (a kick
 * over the host's channel, or the leader's outbox poll); a follower shows the leader's status;
 * leadership moves with `setLeader`.
 */
import type { Hub } from '@accord/hub'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ReplicaStatus } from '../src/shared/worker-api.js'
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

const sockets = (hub: Hub): number => hub.io.sockets.sockets.size

describe('leadership hooks', () => {
  it('a follower writes locally; the leader pushes its writes; the follower shows the leader’s status', async () => {
    const leader = await s.replica('tab-1')
    const follower = await s.replica('tab-1', { idb: leader.idb, runtime: { leader: false } })
    const other = await s.replica('other-device')
    expect(follower.replicaId).toBe(leader.replicaId)
    await settle(leader, other)
    expect(sockets(s.hub.hub)).toBe(2)
    expect(follower.status.connection).toBe('offline')

    // The host relays: status leader → follower, writes follower → leader.
    const stopStatus = leader.runtime.onStatus((status: ReplicaStatus) => follower.runtime.applyRemoteStatus(status))
    const stopWrites = follower.runtime.onLocalWrite(() => leader.runtime.kick())
    await follower.waitForStatus((st) => st.connection === 'online', 'the leader’s status shown by the follower')

    await follower.put('cards', { id: 'from-follower', title: 'written in another tab' })
    await settle(leader, other)
    expect(await other.get('cards', 'from-follower')).toMatchObject({ title: 'written in another tab' })
    expect(sockets(s.hub.hub)).toBe(2)
    await follower.waitForStatus((st) => st.pending === 0 && st.cursor === leader.status.cursor, 'the follower in step')
    stopStatus()
    stopWrites()
  })

  it('the leader’s outbox poll picks up a follower’s writes without any signal', async () => {
    const leader = await s.replica('tab-1')
    const follower = await s.replica('tab-1', { idb: leader.idb, runtime: { leader: false } })
    const other = await s.replica('other-device')
    await settle(leader, other)
    await follower.put('cards', { id: 'unsignalled', title: 'no kick' })
    await until(async () => (await other.get('cards', 'unsignalled')) !== undefined, 'the follower’s write at the other device')
  })

  it('hands the socket over with setLeader', async () => {
    const first = await s.replica('tab-1')
    const second = await s.replica('tab-1', { idb: first.idb, runtime: { leader: false } })
    const other = await s.replica('other-device')
    await settle(first, other)

    first.runtime.setLeader(false)
    expect(first.status.connection).toBe('offline')
    second.runtime.setLeader(true)
    await second.waitForStatus((st) => st.connection === 'online', 'the new leader online')
    await until(() => sockets(s.hub.hub) === 2, 'one socket for the replica')
    await first.put('cards', { id: 'after-handover', title: 'from the old leader’s tab' })
    second.runtime.kick()
    await settle(second, other)
    expect(await other.get('cards', 'after-handover')).toMatchObject({ title: 'from the old leader’s tab' })
    await other.put('cards', { id: 'back', title: 'to the replica' })
    await settle(other, second)
    expect(await first.get('cards', 'back')).toMatchObject({ title: 'to the replica' })
  })
})
