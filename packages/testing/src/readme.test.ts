import { describe, expect, it } from 'vitest'
import { counter, defineSchema, fieldMerge, set } from '@accord/core'
import { simulate, type Workload } from './index.js'

// The README's "check your own schema" example, kept honest.
const schema = defineSchema({ version: 1, collections: { cards: { policy: fieldMerge({ fields: { votes: counter(), tags: set() } }) } } })

const workload: Workload = {
  setup: () => [{ op: 'put', col: 'cards', value: { id: 'c1', title: 'first', votes: 0, tags: [] } }],
  write: ({ rng, marks, visible }) =>
    visible('cards', 'c1')
      ? { op: 'update', col: 'cards', key: 'c1', patch: { title: rng.pick(['a', 'b', 'c']), mark: marks.next() } }
      : { op: 'put', col: 'cards', value: { id: 'c1', title: 'again', votes: 0, tags: [], mark: marks.next() } },
}

describe('README: your own schema', () => {
  it('runs a custom workload and custom invariants', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const result = await simulate({
        seed,
        schema,
        workload,
        invariants: ({ store, space }) => store.liveRecords(space).filter((r) => typeof r.value['title'] !== 'string').map((r) => `${r.key} lost its title`),
      })
      expect(result.failures, `seed ${seed}`).toEqual([])
    }
  })

  it('reports a violated custom invariant', async () => {
    const result = await simulate({ seed: 1, schema, workload, invariants: () => ['always wrong'] })
    expect(result.ok).toBe(false)
    expect(result.failures).toContain('always wrong')
  })
})
