import { describe, expect, it } from 'vitest'
import { HlcClock, counter, custom, decideBatch, defineSchema, fieldMerge, manual, reject, rejectConflicts, set } from './index.js'

// The README's runnable example, kept honest.
describe('README example', () => {
  it('accepts the schema module example', () => {
    const schema = defineSchema({
      version: 1,
      collections: {
        cards: { indexes: ['listId'], policy: fieldMerge({ fields: { votes: counter(), tags: set() } }) },
        invoices: { policy: rejectConflicts() },
        notes: {
          policy: custom(({ local, remote, fields }) => {
            if (local === undefined) return reject
            const out: Record<string, unknown> = {}
            for (const f of fields) out[f] = `${String(remote?.[f] ?? '')}\n${String(local[f] ?? '')}`
            return out as Record<string, string>
          }),
        },
        contracts: { policy: manual() },
      },
    })
    expect(schema.names).toEqual(['cards', 'invoices', 'notes', 'contracts'])
    expect(schema.collection('cards').fieldKind('votes')).toBe('counter')
  })

  it('decides a first put into commit 1', () => {
    const schema = defineSchema({ version: 1, collections: { cards: {} } })
    const view = { head: 0, record: () => undefined, writer: () => undefined, conflict: () => undefined }
    const result = decideBatch({
      schema,
      view,
      changes: [
        { writer: 'w1', n: 1, replica: 'r1', tx: 1, txEnd: true, col: 'cards', key: 'c1', hlc: '000000000001-0000-r1', op: 'put', ord: 1, base: 0, set: { id: 'c1', title: 'Hi' } },
      ],
      connection: { replica: 'r1', writers: new Set(['w1']) },
      clock: new HlcClock({ node: 'hub', now: () => 1 }),
      limits: { recordBytes: 256_000 },
    })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.decision.commits[0]).toMatchObject({ seq: 1, pv: 0, col: 'cards', key: 'c1', set: { id: 'c1', title: 'Hi' } })
  })
})
