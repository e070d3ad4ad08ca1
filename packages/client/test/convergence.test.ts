/**
 * A seeded random offline workload on three replicas: each round some replicas go offline (pause),
 * everyone writes (counters, sets, plain fields, multi-record transactions), some come back. After
 * all reconnect, every replica holds the same records and every counter equals the exact sum of
 * the increments made anywhere. The seed is printed on failure; replay it with ACCORD_SEED=<n>.
 */
import { canonicalJson, type JsonValue } from '@accord/core'
import type { LocalOp } from '@accord/core/internal'
import { afterEach, describe, expect, it } from 'vitest'
import { schema } from './fixtures/schema.js'
import type { TestReplica } from './helpers/replica.js'
import { Scenario, settle } from './helpers/scenario.js'

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): { next(): number; int(min: number, max: number): number; pick<T>(items: readonly T[]): T } {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (min, max) => min + Math.floor(next() * (max - min + 1)), pick: (items) => items[Math.floor(next() * items.length)] as never }
}

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4']
const TAGS = ['red', 'green', 'blue', 'urgent']
const ROUNDS = 4
const OPS_PER_ROUND = 8

const seeds = process.env['ACCORD_SEED'] ? [Number(process.env['ACCORD_SEED'])] : Array.from({ length: Number(process.env['ACCORD_SEEDS'] ?? 2) }, () => Math.floor(Math.random() * 2 ** 31))

let s: Scenario | undefined
afterEach(async () => {
  await s?.dispose()
})

async function runWorkload(seed: number, trace: string[]): Promise<void> {
  const r = rng(seed)
  s = await new Scenario(schema).start()
  const replicas = [await s.replica('a'), await s.replica('b'), await s.replica('c')]
  const [first] = replicas as [TestReplica]
  for (const key of KEYS) await first.put('cards', { id: key, title: 'start', listId: 'l0', votes: 0, tags: [] })
  await settle(...replicas)
  const expectedVotes = new Map(KEYS.map((k) => [k, 0]))
  const offline = new Set<TestReplica>()

  for (let round = 0; round < ROUNDS; round++) {
    for (const replica of replicas) {
      const goOffline = r.next() < 0.6
      if (goOffline && !offline.has(replica)) {
        await replica.pause()
        offline.add(replica)
        trace.push(`round ${round}: ${replica.name} offline`)
      } else if (!goOffline && offline.has(replica)) {
        await replica.resume()
        offline.delete(replica)
        trace.push(`round ${round}: ${replica.name} online`)
      }
    }
    for (let i = 0; i < OPS_PER_ROUND; i++) {
      const replica = r.pick(replicas)
      const ops = Array.from({ length: r.next() < 0.2 ? 2 : 1 }, () => randomOp(r, expectedVotes))
      trace.push(`round ${round}: ${replica.name} ${JSON.stringify(ops)}`)
      await replica.write(...ops)
    }
  }
  for (const replica of offline) await replica.resume()
  await settle(...replicas)

  const states = await Promise.all(replicas.map(async (x) => canonicalJson((await x.find('cards', { orderBy: 'id' })) as JsonValue)))
  expect(states[1]).toBe(states[0])
  expect(states[2]).toBe(states[0])
  const records = await first.find('cards', { orderBy: 'id' })
  expect(Object.fromEntries(records.map((rec) => [rec['id'], rec['votes']]))).toEqual(Object.fromEntries(expectedVotes))
  for (const replica of replicas) expect(replica.status.pending).toBe(0)
}

function randomOp(r: ReturnType<typeof rng>, expectedVotes: Map<string, number>): LocalOp {
  const key = r.pick(KEYS)
  const roll = r.next()
  if (roll < 0.35) {
    const by = r.int(-3, 5)
    expectedVotes.set(key, (expectedVotes.get(key) ?? 0) + by)
    return { op: 'increment', col: 'cards', key, field: 'votes', by }
  }
  if (roll < 0.55) return { op: 'addToSet', col: 'cards', key, field: 'tags', elements: [r.pick(TAGS)] }
  if (roll < 0.7) return { op: 'removeFromSet', col: 'cards', key, field: 'tags', elements: [r.pick(TAGS)] }
  if (roll < 0.85) return { op: 'update', col: 'cards', key, patch: { title: `t${r.int(0, 99)}` } }
  return { op: 'update', col: 'cards', key, patch: { listId: r.pick(['l0', 'l1', 'l2']), rank: r.int(0, 9) } }
}

describe('convergence', () => {
  for (const seed of seeds) {
    it(`three replicas converge with exact counter sums (seed ${seed})`, { timeout: 120_000 }, async () => {
      const trace: string[] = []
      try {
        await runWorkload(seed, trace)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        throw new Error(`seed ${seed} failed (replay: ACCORD_SEED=${seed}): ${message}\n${trace.join('\n')}`, { cause: error })
      }
    })
  }
})
