import { describe, expect, it } from 'vitest'
import { simulate, type SimFaults } from './simulate.js'

/** Runs seeds from 1 until one fails; returns it (or undefined after `limit` seeds). */
async function firstFailingSeed(faults: SimFaults, limit: number): Promise<{ seed: number; failure: string } | undefined> {
  for (let seed = 1; seed <= limit; seed++) {
    const result = await simulate({ seed, faults })
    if (!result.ok) return { seed, failure: result.failures[0] ?? '' }
  }
  return undefined
}

describe('simulate', () => {
  it('reproduces a run exactly from its seed', async () => {
    const a = await simulate({ seed: 42 })
    const b = await simulate({ seed: 42 })
    expect(a.trace.length).toBeGreaterThan(10)
    expect(b.trace).toEqual(a.trace)
    expect(b.stats).toEqual(a.stats)
  })

  it('passes a range of seeds, printing the seed of any failure', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const result = await simulate({ seed })
      expect(result.failures, `seed ${seed} failed: reproduce with pnpm sim --seed ${seed}`).toEqual([])
    }
  })

  // The simulator's power, tested: each deliberate bug must be caught within 2,000 seeds.
  it.each([
    ['a change applied twice', { decider: { applyDuplicates: true } }],
    ['a rejected transaction partly applied', { decider: { partialReject: true } }],
    ['a conflict decided without the writer’s prev', { decider: { decideWithoutPrev: true } }],
    ['a commit gap not detected', { replica: { ignoreGaps: true } }],
    // Both converge (the pull after a duplicate's ack settles the changes): the settled watch
    // (DESIGN §3 rule 7) catches them.
    ['a broadcast without its author to the author\'s own socket', { broadcast: { roomCopyToAuthor: true } }],
    ['a broadcast without its author to copies of the author\'s database', { broadcast: { roomCopyToCopies: true } }],
  ] as const)('catches %s', async (_name, faults) => {
    const found = await firstFailingSeed(faults, 2000)
    expect(found, 'the simulator missed an injected fault').toBeDefined()
  })
})
