import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../helpers/harness.js'
import { REDIS_URL } from '../helpers/postgres.js'
import { startCluster, type Cluster } from './helpers/cluster.js'
import { storedSpace } from './helpers/convergence.js'
import { startDelayProxy, type DelayProxy } from './helpers/delay-proxy.js'
import { MiniReplica } from './helpers/mini-replica.js'

const NODES = 3
const PER_NODE = 2
const WRITES = 30
const SLOW_LINK_MS = 300
/** The encoding of replica i (on process i % NODES): each process has a compact and a verbose one. */
const WIRES: readonly (2 | 3 | undefined)[] = [3, undefined, 2, undefined, 3, undefined]

/**
 * Replicas on every process write at once; each must end with the store's exact state, having
 * applied broadcasts in seq order, each at most once, with commits from every other process
 * arriving live. Returns the replicas for further checks.
 */
async function writeEverywhere(cluster: Cluster, space: string, options: { liveFromEverywhere: boolean }): Promise<MiniReplica[]> {
  const replicas = await Promise.all(
    // Every process holds a compact (`wire: 2` or `3`) and a verbose replica: each batch crosses
    // Redis once per form (author's copy, room copy, logical).
    Array.from({ length: NODES * PER_NODE }, (_, i) => MiniReplica.open({ urls: [cluster.nodes[i % NODES]?.url as string], space, window: 2, ...(WIRES[i] ? { wire: WIRES[i] } : {}) })),
  )
  // Keys name their writer `r<i>-…`; a room copy does not name its author.
  const nodeOf = (key: string): number => Number(key.slice(1, key.indexOf('-'))) % NODES
  try {
    for (let j = 0; j < WRITES; j++) for (const [i, r] of replicas.entries()) r.put('notes', `r${i}-${j}`, { id: `r${i}-${j}`, n: j })
    await Promise.all(replicas.map((r) => r.waitFor((x) => x.settled, 'all writes acknowledged')))
    const total = replicas.length * WRITES
    await Promise.all(replicas.map((r) => r.waitFor((x) => x.cursor === total, `cursor at ${total}`)))

    const stored = await storedSpace(cluster.schema, space)
    expect(stored.head).toBe(total)
    for (const [i, r] of replicas.entries()) {
      expect(r.problems).toEqual([])
      expect(r.visible()).toEqual(stored.records)
      const seqs = r.live.map((c) => c.seq)
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b)) // applied in seq order, each once
      expect(new Set(seqs).size).toBe(seqs.length)
      if (!options.liveFromEverywhere) continue
      // Live, not only by catch-up: commits written through every other process reached it.
      const elsewhere = new Set(r.live.map((c) => nodeOf(c.key)).filter((node) => node !== i % NODES))
      expect(elsewhere.size).toBe(NODES - 1)
    }
    return replicas
  } finally {
    for (const r of replicas) r.close()
  }
}

describe('broadcasts across hub processes (Redis adapter)', () => {
  let cluster: Cluster
  beforeAll(async () => {
    cluster = await startCluster(NODES, { redis: true })
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
  })

  it('reports the store and the adapter on /healthz', async () => {
    const response = await fetch(`${cluster.nodes[0]?.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      ok: true,
      store: { kind: 'postgres', ok: true },
      adapter: { kind: 'redis', ok: true, detail: expect.stringContaining('127.0.0.1:6379') as string },
    })
  })

  it("sends a copy of a database on another process the author's copy, and other replicas the room copy", async () => {
    const space = 'copies'
    const url = (i: number): string[] => [cluster.nodes[i]?.url as string]
    const original = await MiniReplica.open({ urls: url(0), space, window: 2, wire: 3, replicaId: 'r-db' })
    const copy = await MiniReplica.open({ urls: url(1), space, window: 2, wire: 3, replicaId: 'r-db' })
    const other = await MiniReplica.open({ urls: url(2), space, window: 2, wire: 3 })
    try {
      for (let j = 0; j < 5; j++) original.put('notes', `o-${j}`, { id: `o-${j}`, n: j })
      for (const r of [original, copy, other]) await r.waitFor((x) => x.cursor === 5, 'cursor at 5')
      const authors = (r: MiniReplica) => r.live.map((c) => [c.seq, c.by, c.through])
      expect(authors(copy)).toEqual(authors(original))
      expect(copy.live.every((c) => c.by === 'r-db' && c.writer !== undefined)).toBe(true)
      expect(other.live.length).toBeGreaterThan(0)
      expect(other.live.every((c) => c.by === undefined && c.writer === undefined && c.through === undefined)).toBe(true)
      for (const r of [original, copy, other]) expect(r.problems).toEqual([])
    } finally {
      for (const r of [original, copy, other]) r.close()
    }
  }, 60_000)

  it('delivers every write to replicas on every process, live, applied in seq order', async () => {
    const replicas = await writeEverywhere(cluster, 'live', { liveFromEverywhere: true })
    // On a quick link nearly everything arrives live; catch-up is the exception.
    for (const r of replicas) expect(r.live.length).toBeGreaterThan((NODES * PER_NODE * WRITES) / 2)
  }, 120_000)
})

describe(`broadcasts across hub processes when one process's Redis link is ${SLOW_LINK_MS} ms slow`, () => {
  let cluster: Cluster
  let proxy: DelayProxy
  beforeAll(async () => {
    proxy = await startDelayProxy(Number(new URL(REDIS_URL).port || 6379), SLOW_LINK_MS)
    const slow = `redis://127.0.0.1:${proxy.port}`
    cluster = await startCluster(NODES, { redis: true, redisUrlOf: (i) => (i === NODES - 1 ? slow : undefined) })
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
    await proxy?.close()
  })

  it('sees seqs arrive out of order, waits out the gap, pulls, and applies nothing twice', async () => {
    // Whether a late process's commits ever arrive in turn is up to timing: not asserted here.
    const replicas = await writeEverywhere(cluster, 'late', { liveFromEverywhere: false })
    const total = (key: 'outOfOrder' | 'gapPulls' | 'stale') => replicas.reduce((sum, r) => sum + r.stats[key], 0)
    // The slow process's broadcasts come after later seqs of the others: gaps open, are pulled
    // after the grace period, and the late copies are then recognized as already applied.
    expect(total('outOfOrder')).toBeGreaterThan(0)
    expect(total('gapPulls')).toBeGreaterThan(0)
    expect(total('stale')).toBeGreaterThan(0)
  }, 120_000)

  it('reports a node cut from Redis as unhealthy on /healthz until it reconnects', async () => {
    const url = `${cluster.nodes[NODES - 1]?.url}/healthz`
    const node = cluster.nodes[NODES - 1]
    const healthz = async (): Promise<{ status: number; body: { ok: boolean; adapter: { ok: boolean } } }> => {
      try {
        const response = await fetch(url)
        return { status: response.status, body: (await response.json()) as { ok: boolean; adapter: { ok: boolean } } }
      } catch (error) {
        throw new Error(`/healthz failed (node exit ${node?.child.exitCode} ${node?.child.signalCode}): ${String(error)}\n${node?.output().slice(-3000)}`)
      }
    }
    expect((await healthz()).status).toBe(200)
    proxy.cut() // both Redis connections of the node drop, and reconnecting fails until heal()
    let down: Awaited<ReturnType<typeof healthz>> | undefined
    await until(async () => (down = await healthz()).status === 503, 10_000, '/healthz to report Redis down')
    expect(down?.body).toMatchObject({ ok: false, store: { ok: true }, adapter: { kind: 'redis', ok: false } })
    proxy.heal()
    await until(async () => (await healthz()).status === 200, 20_000, '/healthz to recover with Redis')
  }, 60_000)
})
