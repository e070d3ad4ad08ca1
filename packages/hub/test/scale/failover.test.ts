import type { Commit } from '@accord/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCluster, type Cluster } from './helpers/cluster.js'
import { storedSpace, storedWatermarks } from './helpers/convergence.js'
import { startDelayProxy, type DelayProxy } from './helpers/delay-proxy.js'
import { MiniReplica } from './helpers/mini-replica.js'

const WRITES = 60
const ACK_LINK_MS = 100

/**
 * Two hub processes on one PostgreSQL and Redis, two replicas on each, all streaming writes. One
 * process is SIGKILLed mid-stream: its replicas reach it through a slow link, so when it dies some
 * of their changes are settled (the other process's replicas already heard the broadcast) but
 * their acknowledgements are lost with it. The replicas move to the other process (the next URL of
 * their list), re-send everything unacknowledged and catch up from their cursor. In the end every
 * replica holds the store's state, every change was settled exactly once (one commit each: the
 * head counts them, re-sends were recognized by their watermark), and no change is missing.
 *
 * The replicas are raw protocol clients (./helpers/mini-replica.ts): @accord/client's runtime,
 * with `hub.url` as a list, was not in the repository when this test was written.
 */
describe('failover when a hub process dies (SIGKILL) mid-stream', () => {
  let cluster: Cluster
  let link: DelayProxy
  beforeAll(async () => {
    cluster = await startCluster(2, { redis: true })
    link = await startDelayProxy(cluster.nodes[0]?.port as number, ACK_LINK_MS)
  }, 60_000)
  afterAll(async () => {
    await link?.close()
    await cluster?.stop()
  })

  it('moves the dead hub’s replicas to the other one; everything converges, nothing lost or applied twice', async () => {
    const doomed = `http://127.0.0.1:${link.port}`
    const survivor = cluster.nodes[1]?.url as string
    const space = 'failover'
    const onDoomed: MiniReplica[] = []
    let killedAt: number[] | undefined
    // The moment the survivor's side hears a change of the doomed side that its writer has not
    // seen acknowledged yet: the hub dies, and the acks still on their way are lost with it.
    const killWhenAckInFlight = (commit: Commit): void => {
      const writer = onDoomed.find((r) => r.replicaId === commit.by)
      if (killedAt || !writer || (commit.through ?? 0) <= writer.acked || writer.acked < 5) return
      killedAt = onDoomed.map((r) => r.acked)
      cluster.nodes[0]?.child.kill('SIGKILL')
      link.cut()
    }
    const replicas = await Promise.all([
      MiniReplica.open({ urls: [doomed, survivor], space }),
      MiniReplica.open({ urls: [doomed, survivor], space }),
      MiniReplica.open({ urls: [survivor, doomed], space, onLive: killWhenAckInFlight }),
      MiniReplica.open({ urls: [survivor, doomed], space }),
    ])
    onDoomed.push(replicas[0] as MiniReplica, replicas[1] as MiniReplica)
    try {
      for (let j = 0; j < WRITES; j++) for (const [i, r] of replicas.entries()) r.put('notes', `r${i}-${j}`, { id: `r${i}-${j}`, n: j })
      expect(await cluster.nodes[0]?.exited).toBe('SIGKILL')
      expect(killedAt?.every((acked) => acked < WRITES)).toBe(true) // mid-stream

      await Promise.all(replicas.map((r) => r.waitFor((x) => x.settled, 'all writes acknowledged', 30_000)))
      const total = replicas.length * WRITES
      await Promise.all(replicas.map((r) => r.waitFor((x) => x.cursor === total, `cursor at ${total}`, 30_000)))

      const stored = await storedSpace(cluster.schema, space)
      expect(stored.head).toBe(total) // one commit per change: none applied twice
      expect(stored.records.size).toBe(total) // every change's record is there: none lost
      expect(await storedWatermarks(cluster.schema, space)).toEqual(Object.fromEntries(replicas.map((r) => [r.writer, WRITES])))
      // Settled changes whose acks died with the hub were re-sent, and acknowledged, not re-applied.
      expect(onDoomed.reduce((n, r) => n + r.stats.settledUnheard, 0)).toBeGreaterThan(0)
      for (const [i, r] of replicas.entries()) {
        expect(r.problems).toEqual([])
        expect(r.visible()).toEqual(stored.records)
        const seqs = r.live.map((c) => c.seq)
        expect(new Set(seqs).size).toBe(seqs.length)
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
        expect({ failovers: r.stats.failovers, welcomes: r.stats.welcomes }).toEqual(i < 2 ? { failovers: 1, welcomes: 2 } : { failovers: 0, welcomes: 1 })
      }
      expect(await (await fetch(`${survivor}/healthz`)).json()).toMatchObject({ ok: true })
    } finally {
      for (const r of replicas) r.close()
    }
  }, 120_000)
})
